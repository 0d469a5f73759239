"""The course website that ``make html`` builds (scripts/build_site.py).

The site is built once per test session, in fast mode, into a temporary folder. The lecture
notebooks are not executed a second time: tests/test_notebooks.py leaves each lecture it has
executed in ``<pytest's base temp>/executed-notebooks/`` and the builder takes them from there;
what is missing there (homework, or a run of this file alone) the builder executes itself.

Two kinds of checks:

- on the files: every notebook has its page, each page is under 8 MB, nothing is loaded from a
  network (MathJax is a local copy), every navigation link points to a page of the site;
- in a browser (Debian's ``chromium`` driven by Playwright; skipped, with the reason, where
  either is missing): every page loads without a console error or a failed request, every
  audio player has a playable source with a duration and one of them plays, every image has
  rendered, MathJax has typeset every equation (no ``$$`` or ``\\begin`` left in the text),
  and following the navigation links walks the whole course. Screenshots of the course map
  and of each page's top are left in the site's ``screenshots/`` folder.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_notebooks import _needs_torch

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = "executed-notebooks"  # the folder tests/test_notebooks.py fills, in pytest's temp
PAGE_LIMIT_MB = 8


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_site"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


build_site = _load_builder()
#: Without torch (one CI leg, as for a student who skipped the unet extra) the notebooks that
#: need it are left out of the site, as tests/test_notebooks.py skips them.
TORCH_MISSING = importlib.util.find_spec("torch") is None
SITE_PAGES = [page for page in build_site.find_pages()
              if not (TORCH_MISSING and _needs_torch(page.source))]
PAGES = [page.href for page in SITE_PAGES]


def _chromium() -> str | None:
    """Debian's chromium (or $CHROMIUM); Playwright's own browser download is never used."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _browser_missing() -> str:
    if _chromium() is None:
        return "no chromium (apt install chromium, or set CHROMIUM)"
    if importlib.util.find_spec("playwright") is None:
        return "no Playwright for Python (pip install playwright; no `playwright install`)"
    return ""


browser_test = pytest.mark.skipif(bool(_browser_missing()), reason=_browser_missing() or "-")


# ------------------------------------------------------------------------------------------
# The builder's parts, without building anything
# ------------------------------------------------------------------------------------------

def test_flac_seconds_reads_the_duration_of_a_player():
    np = pytest.importorskip("numpy")
    from course_lib import audio

    player = audio.play(np.sin(np.arange(33075) / 5.0), 22050)
    encoded = base64.b64encode(player.data).decode()
    assert build_site.flac_seconds(encoded) == pytest.approx(1.5)
    assert build_site.flac_seconds(base64.b64encode(b"RIFF" + bytes(40)).decode()) == 0.0


def test_pages_come_in_course_order_each_lecture_before_its_homework(tmp_path):
    for name in ("02_nmf", "01_stft", "homework/hw02_nmf", "homework/hw01_stft",
                 "homework/source/hw01_stft", "homework/extra"):
        (tmp_path / f"{name}.ipynb").parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f"{name}.ipynb").write_text("{}")
    hrefs = [page.href for page in build_site.find_pages(tmp_path)]
    assert hrefs == ["01_stft.html", "homework/hw01_stft.html", "02_nmf.html",
                     "homework/hw02_nmf.html", "homework/extra.html"]


def test_a_widget_becomes_a_still_picture_of_its_state():
    nbformat = pytest.importorskip("nbformat")
    png = base64.b64encode(b"\x89PNG fake").decode()

    def model(name, **state):
        return {"model_name": name, "model_module": "@jupyter-widgets/controls",
                "model_module_version": "2.0.0", "state": state}

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["widgets"] = {build_site.WIDGET_STATE: {"state": {
        "box": model("VBoxModel", children=["IPY_MODEL_slider", "IPY_MODEL_menu",
                                            "IPY_MODEL_status", "IPY_MODEL_out"]),
        "slider": model("FloatLogSliderModel", description="frame (ms)", value=63.99,
                        readout_format=".1f"),
        "menu": model("DropdownModel", description="window", index=1,
                      _options_labels=["hann", "hamming"]),
        "status": model("HTMLModel", value="hop 32.0 ms"),
        "out": model("OutputModel", outputs=[{"output_type": "display_data", "metadata": {},
                                              "data": {"image/png": png}}]),
    }, "version_major": 2, "version_minor": 0}}
    cell = nbformat.v4.new_code_cell("explorer")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        build_site.WIDGET_VIEW: {"model_id": "box", "version_major": 2, "version_minor": 0},
        "text/plain": "VBox(...)"})]
    notebook.cells.append(cell)

    assert build_site.make_widgets_static(notebook) == 1
    shown = cell.outputs[0]["data"]
    assert set(shown) == {"text/html"} and "widgets" not in notebook.metadata
    for expected in ("frame (ms): <b>64.0</b>", "window: <b>hamming</b>", "hop 32.0 ms",
                     f'src="data:image/png;base64,{png}"', "in Jupyter or Colab"):
        assert expected in shown["text/html"]


# ------------------------------------------------------------------------------------------
# The built site, as files
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The site built in fast mode, from the notebooks test_notebooks.py executed if any."""
    out = tmp_path_factory.mktemp("site")
    executed = tmp_path_factory.getbasetemp() / EXECUTED
    messages = []
    built, failed = build_site.build(out, fast=True, timeout=600, pages=SITE_PAGES,
                                     executed=executed if executed.is_dir() else None,
                                     log=messages.append)
    return SimpleNamespace(out=out, built=built, failed=failed, log="\n".join(messages))


def _page_file(site, href: str) -> Path:
    if not (site.out / href).is_file():
        reasons = {p.href: p.error for p in site.failed}
        pytest.fail(f"{href} was not built: {reasons.get(href, 'unknown reason')}")
    return site.out / href


@pytest.mark.slow
def test_every_notebook_has_its_page_on_the_course_map(site):
    assert not site.failed, "\n".join(f"{p.source.name}: {p.error}" for p in site.failed)
    index = (site.out / "index.html").read_text()
    for href in PAGES:
        assert f'href="{href}"' in index, f"the course map does not link {href}"
    for page in site.built:
        if page.kind == "lecture":
            assert page.goals_markdown, f"{page.source.name}: no 'What you will learn' found"
            assert f"About {page.minutes} min" in index
    assert "Open in Colab" not in index


@pytest.mark.slow
@pytest.mark.parametrize("href", PAGES)
def test_page_is_lighter_than_8_mb(site, href):
    size = _page_file(site, href).stat().st_size
    assert size < PAGE_LIMIT_MB * 2**20, (
        f"{href} is {size / 2**20:.1f} MB in fast mode (limit {PAGE_LIMIT_MB} MB): are its "
        f"audio players in the page rather than in media/?")


@pytest.mark.slow
def test_nothing_is_loaded_from_a_network(site):
    external = re.compile(r'<(?:script|link|img|audio|source|iframe)\b[^>]*?'
                          r'(?:src|href)="(?:https?:)?//', re.I)
    for page in [site.out / "index.html"] + [site.out / p.href for p in site.built]:
        text = page.read_text()
        found = external.search(text)
        assert not found, f"{page.name} loads {found.group(0)[:120]}"
        assert "MathJax.js?config=TeX-AMS_CHTML-full" in text
    for page in site.built:  # the players' clips are files of the site
        text = (site.out / page.href).read_text()
        for target in re.findall(r'<source[^>]*src="([^"]+)"', text):
            if not target.startswith("data:"):
                assert ((site.out / page.href).parent / target).is_file(), (page.href, target)
    mathjax = site.out / "mathjax"
    assert (mathjax / "MathJax.js").is_file(), "no local MathJax (apt install libjs-mathjax)"
    assert (mathjax / "fonts/HTML-CSS/TeX/woff").is_dir()
    assert sum(f.stat().st_size for f in mathjax.rglob("*") if f.is_file()) < 5 * 2**20


@pytest.mark.slow
def test_each_page_opens_on_its_content_with_the_setup_cell_folded(site):
    for page in site.built:
        text = (site.out / page.href).read_text()
        folded = text.count('<details class="folded-input">')
        assert folded == 1, f"{page.href}: {folded} folded cells, expected the setup cell only"
        body = re.sub(r"<style.*?</style>|<script.*?</script>", "", text, flags=re.S)
        first_code = body.find("jp-CodeCell")
        details = body.find('<details class="folded-input">')
        assert 0 <= first_code < details < body.find("jp-CodeCell", first_code + 1), (
            f"{page.href}: the folded cell is not the first code cell")
        assert "REPOSITORY_URL" in body[details:body.find("</details>", details)]


class _Navigation(HTMLParser):
    """The links of a page's navigation bars: [(bar's class, rel, href, text)]."""

    def __init__(self):
        super().__init__()
        self.bars, self.links, self._bar, self._link = [], [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and "site-nav" in attrs.get("class", ""):
            self._bar = attrs["class"]
            self.bars.append(self._bar)
        elif tag == "a" and self._bar:
            self._link = [self._bar, attrs.get("rel", "map"), attrs.get("href"), ""]
            self.links.append(self._link)

    def handle_data(self, data):
        if self._link is not None:
            self._link[3] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._link = None
        elif tag == "nav":
            self._bar = None


@pytest.mark.slow
def test_navigation_links_point_to_pages_of_the_site(site):
    order = [p.href for p in site.built]
    for position, href in enumerate(order):
        parser = _Navigation()
        parser.feed((site.out / href).read_text())
        assert parser.bars == ["site-nav top", "site-nav bottom"], f"{href}: {parser.bars}"
        expected = {"prev": order[position - 1] if position else None,
                    "next": order[position + 1] if position + 1 < len(order) else None,
                    "map": "index.html"}
        for bar in parser.bars:
            links = {rel: target for where, rel, target, _ in parser.links if where == bar}
            assert set(links) == {rel for rel, target in expected.items() if target}, (href, bar)
            for rel, target in links.items():
                resolved = ((site.out / href).parent / target).resolve()
                assert resolved == (site.out / expected[rel]).resolve(), (href, bar, rel)
                assert resolved.is_file(), f"{href}: {rel} link to a missing {target}"


# ------------------------------------------------------------------------------------------
# The built site, in a browser
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium(),
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"])
        yield browser
        browser.close()


# What a loaded page reports: its players, images and what MathJax left in the text.
PAGE_STATE = """async () => {
    if (window.MathJax && MathJax.Hub) { await new Promise(done => MathJax.Hub.Queue(done)); }
    const audios = [...document.querySelectorAll('audio')];
    await Promise.all(audios.map(a => a.readyState >= 1 ? null : new Promise(done => {
        a.addEventListener('loadedmetadata', done, {once: true});
        a.addEventListener('error', done, {once: true});
        if (a.preload === 'none') { a.load(); }
        setTimeout(done, 15000);
    })));
    const prose = [...document.querySelectorAll(
        '.jp-RenderedMarkdown, .jp-MarkdownOutput, .goals, .subtitle')];
    return {
        audio: audios.map(a => ({
            duration: a.duration, error: a.error ? a.error.code : null,
            playable: [...a.querySelectorAll('source')].concat(a.src ? [a] : [])
                .some(s => a.canPlayType(s.type || 'audio/flac') !== ''),
        })),
        images: [...document.querySelectorAll('img')].map(img => ({
            src: img.src.slice(0, 40), width: img.naturalWidth, complete: img.complete})),
        raw_tex: prose.map(e => {
                const copy = e.cloneNode(true);  // the prose, without code and MathJax's own
                copy.querySelectorAll('code, pre, script, style, .MJX_Assistive_MathML')
                    .forEach(n => n.remove());
                return copy.textContent;
            }).join('\\n')
            .match(/.{0,40}(\\$\\$|\\\\begin\\{|\\$[^$\\s][^$\\n]{0,80}\\$).{0,40}/g),
        typeset: document.querySelectorAll('.MathJax_CHTML, .mjx-chtml').length,
        math_errors: document.querySelectorAll('.MathJax_Error, .mjx-merror, merror').length,
    };
}"""


def _open(browser, url: str):
    """A new page at url, and the list its console errors and failed requests go to."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # (a player stops reading its clip once it has the duration: preload="metadata")
    page.on("requestfailed", lambda r: None if r.resource_type == "media"
            and r.failure == "net::ERR_ABORTED"
            else problems.append(f"request failed: {r.url[:120]} {r.failure}"))
    page.on("request", lambda r: problems.append(f"network request: {r.url[:120]}")
            if not r.url.startswith(("file:", "data:")) else None)
    page.goto(url, wait_until="load")
    return page, problems


@pytest.mark.slow
@browser_test
@pytest.mark.parametrize("href", ["index.html"] + PAGES)
def test_page_works_offline_in_chromium(site, browser, href):
    path = _page_file(site, href)
    page, problems = _open(browser, path.as_uri())
    try:
        state = page.evaluate(PAGE_STATE)
        shots = site.out / "screenshots"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / (href.replace("/", "_") + ".png")))
    finally:
        page.close()
    assert not problems, f"{href}: " + "\n".join(problems[:10])
    for i, player in enumerate(state["audio"]):
        assert player["playable"], f"{href}: audio player {i} has no source Chromium can play"
        assert player["error"] is None, f"{href}: audio player {i}: media error {player['error']}"
        assert player["duration"] > 0, f"{href}: audio player {i} has no duration"
    for image in state["images"]:
        assert image["complete"] and image["width"] > 0, f"{href}: image {image['src']} not shown"
    assert not state["raw_tex"], f"{href}: TeX left untypeset: {state['raw_tex'][:5]}"
    assert not state["math_errors"], f"{href}: {state['math_errors']} MathJax errors"
    if href.endswith(".html") and href != "index.html":
        lecture = not href.startswith("homework/")
        if lecture:
            assert state["audio"], f"{href}: no audio player"
            assert state["images"], f"{href}: no figure"
        assert state["typeset"] > 0, f"{href}: MathJax typeset nothing"


@pytest.mark.slow
@browser_test
def test_a_player_plays(site, browser):
    first = next(p for p in site.built if p.kind == "lecture")
    page, problems = _open(browser, (site.out / first.href).as_uri())
    try:
        played = page.evaluate("""async () => {
            const audio = document.querySelector('audio');
            await audio.play();
            await new Promise(done => setTimeout(done, 1500));
            audio.pause();
            return audio.currentTime;
        }""")
    finally:
        page.close()
    assert played > 0.5, f"the first player of {first.href} did not advance: {played} s"
    assert not problems, problems


@pytest.mark.slow
@browser_test
def test_next_links_walk_the_whole_course_and_back(site, browser):
    page, problems = _open(browser, (site.out / "index.html").as_uri())

    def follow(selector: str) -> None:  # and wait for the whole document, bottom bar included
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.click(selector)
        visited.append(page.url)

    visited = []
    try:
        follow(f'.card h2 a[href="{site.built[0].href}"]')
        while page.locator('nav.site-nav.top a[rel="next"]').count():
            follow('nav.site-nav.top a[rel="next"]')
        while page.locator('nav.site-nav.bottom a[rel="prev"]').count():
            follow('nav.site-nav.bottom a[rel="prev"]')
        follow("nav.site-nav.top .nav-map a")
    finally:
        page.close()
    expected = [p.href for p in site.built]
    walked = [url.split(site.out.as_uri() + "/")[-1] for url in visited]
    assert walked == expected + expected[-2::-1] + ["index.html"]
    # (leaving a page while MathJax still loads its fonts aborts those requests: not a fault)
    assert not [p for p in problems if "request failed" in p and "ERR_ABORTED" not in p]
