"""Build the course website: every notebook executed, as HTML pages that work offline.

``make html`` runs this script. It writes ``build/html/``:

- ``index.html``, the course map: each notebook's title, what it teaches (its "What you will
  learn" section), an estimate of the time it takes, and links;
- one page per lecture notebook (``notebooks/NN_name.ipynb`` -> ``NN_name.html``) and per
  homework notebook (``notebooks/homework/*.ipynb`` -> ``homework/*.html``), executed, with the
  figures and audio players embedded in the page, and previous / next links;
- ``media/``, the audio of every player as a FLAC file named by its content (lossless, the
  very bytes the notebook embedded; a clip heard on several pages is stored once). A page
  holds its figures and links its clips, which the browser reads when they are played, so a
  page with thirty players still opens at once; ``--inline-audio`` keeps them in the page;
- ``mathjax/``, a local copy of MathJax 2.7, so that equations are typeset without a network.

The folder is self-contained: it can be moved, zipped, or opened from ``file://`` with no
network and no Jupyter. Nothing on a page is fetched from elsewhere: the Colab badge becomes a
text link, and the ipywidgets explorers become a still picture of their state (the controls
and the figure as executed, with a note that they move in Jupyter or Colab).

Usage::

    python scripts/build_site.py                 # execute every notebook in full
    python scripts/build_site.py --fast          # COURSE_FAST=1 (shorter clips), as the tests
    python scripts/build_site.py --executed DIR  # use DIR/NN_name.ipynb (already executed)
                                                 # where present, execute the others
    python scripts/build_site.py --keep-executed DIR  # save what it executes there

A notebook that fails to execute is left out (the course map says so) and the script exits
with status 1 after building the rest.

MathJax: nbconvert's templates configure MathJax 2 (``MathJax.Hub.Config``), so the copy is
MathJax 2.7, looked for in ``--mathjax DIR``, ``$MATHJAX_DIR``, Debian's ``libjs-mathjax``
(``/usr/share/javascript/mathjax``) and an npm ``node_modules/mathjax`` (version 2). Only what
the ``TeX-AMS_CHTML-full`` configuration loads is copied (about 2 MB, not 54). Without any
copy the pages load MathJax from its CDN, with a warning.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "html"
PAGE_LIMIT_BYTES = 8 * 1024 * 1024

MATHJAX_SEARCH = [Path("/usr/share/javascript/mathjax"), ROOT / "node_modules" / "mathjax"]
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"
MATHJAX_CDN = ("https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config="
               + MATHJAX_CONFIG)
# What MathJax.js?config=TeX-AMS_CHTML-full,Safe loads: the combined configuration, its
# extensions, the CommonHTML output with its TeX web fonts (woff, otf as a fallback), and the
# renderers and extensions of the right-click menu. Not the SVG and HTML-CSS outputs (15 MB).
MATHJAX_PARTS = [
    "MathJax.js",
    "config/TeX-AMS_CHTML-full.js",
    "config/Safe.js",
    "config/local",
    "extensions",
    "jax/element",
    "jax/input/TeX",
    "jax/output/CommonHTML",
    "jax/output/PreviewHTML",
    "jax/output/NativeMML",
    "jax/output/PlainSource",
    "fonts/HTML-CSS/TeX/woff",
    "fonts/HTML-CSS/TeX/otf",
    "localization/en",
]

COLAB_BADGE = re.compile(
    r'<img[^>]*src="https://colab\.research\.google\.com/assets/colab-badge\.svg"[^>]*/?>')
AUDIO_DATA = re.compile(r'src="data:audio/(flac|wav|x-wav|ogg|mpeg);base64,([A-Za-z0-9+/=\s]+)"')
NOTEBOOK_LINK = re.compile(r'href="([^":#?]+)\.ipynb(#[^"]*)?"')

# The page's own additions to nbconvert's lab template: no require.js, mermaid or widget
# manager from a CDN (the widgets are made static below), and the navigation bars.
SITE_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_css -%}<style type="text/css">{{ resources.site.css }}</style>
{%- endblock html_head_css -%}
{%- block body_header -%}{{ super() }}{{ resources.site.nav_top }}{%- endblock body_header -%}
{%- block body_footer -%}{{ resources.site.nav_bottom }}{{ super() }}{%- endblock body_footer -%}
{%- block input_group -%}
{%- if cell.metadata.get("site_fold") -%}
<details class="folded-input"><summary>{{ cell.metadata.site_fold }}</summary>
{{ super() }}</details>
{%- else -%}{{ super() }}{%- endif -%}
{%- endblock input_group -%}
"""

SITE_CSS = """
nav.site-nav { display: flex; justify-content: space-between; align-items: center;
  gap: 1em; padding: 0.6em 1em; margin: 0 0 1em; background: #f3f5f8;
  border-bottom: 1px solid #d0d7de; font-family: var(--jp-ui-font-family, sans-serif);
  font-size: 14px; }
nav.site-nav.bottom { margin: 2em 0 0; border-top: 1px solid #d0d7de; border-bottom: none; }
nav.site-nav a { text-decoration: none; color: #0b57d0; }
nav.site-nav .nav-prev, nav.site-nav .nav-next { flex: 1; }
nav.site-nav .nav-next { text-align: right; }
nav.site-nav .nav-map { flex: 0 0 auto; text-align: center; font-weight: bold; }
.static-widget { border: 1px dashed #9aa4b1; border-radius: 4px; padding: 0.5em;
  margin: 0.3em 0; }
.static-widget .note { font-size: 12px; color: #555; margin-bottom: 0.4em; }
.static-widget .control { display: inline-block; margin: 0.1em 1em 0.1em 0;
  font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; }
.static-widget .box-h { display: flex; flex-wrap: wrap; gap: 0.3em 1em; }
.static-widget img { max-width: 100%; }
details.folded-input > summary { cursor: pointer; color: #555; padding: 0.3em 0;
  margin-left: calc(var(--jp-cell-prompt-width, 64px) + 18px);
  font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; }
a.colab-link { font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; }
"""

INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK JP",
  sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.5;
  color: #1f2328; }
h1 { margin-bottom: 0.2em; }
.lede { color: #444; margin-top: 0; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 0.8em 1.2em; margin: 1em 0; }
.card h2 { margin: 0.2em 0; font-size: 1.25em; }
.card h2 a { text-decoration: none; color: #0b57d0; }
.card .subtitle { font-style: italic; color: #444; margin: 0.2em 0 0.6em; }
.card .meta { font-size: 0.9em; color: #555; }
.card.failed { border-color: #cf222e; background: #fff5f5; }
.goals ol { margin: 0.3em 0; padding-left: 1.5em; }
.homework { margin: 0.4em 0 0; font-size: 0.95em; }
footer { margin-top: 2em; font-size: 0.85em; color: #555; }
"""


@dataclass(eq=False)
class Page:
    """One notebook of the site: where it comes from, where it goes, what it says."""

    source: Path  # the notebook
    kind: str  # "lecture" or "homework"
    href: str  # the page, relative to the site's root, with / separators
    number: str = ""  # the leading NN of the file name, "" when there is none
    title: str = ""
    subtitle: str = ""
    goals_markdown: str = ""
    words: int = 0
    audio_seconds: float = 0.0
    players: int = 0
    figures: int = 0
    run_seconds: float | None = None  # None: executed elsewhere (--executed)
    size: int = 0  # bytes of the HTML file
    audio_bytes: int = 0  # bytes of the audio files it links (media/), loaded when played
    error: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def minutes(self) -> int:
        """Minutes to work through the page: the notebook's own figure, else an estimate.

        The estimate: reading at 100 words a minute (technical prose with equations and code),
        listening to every player once, and a minute per figure, rounded up to 5 minutes. The
        exercises come on top.
        """
        stated = self.extra.get("minutes")
        if isinstance(stated, (int, float)) and stated > 0:
            return int(stated)
        total = self.words / 100 + self.audio_seconds / 60 + self.figures
        return max(5, 5 * int(-(-total // 5)))


# ------------------------------------------------------------------------------------------
# Finding and reading the notebooks
# ------------------------------------------------------------------------------------------

def find_pages(notebooks: Path = NOTEBOOKS) -> list[Page]:
    """The lecture notebooks, and the homework student versions where there are any.

    Ordered by their leading number, each lecture before its homework; homework without a
    number comes last. Solutions (a subfolder of notebooks/homework/, or a name containing
    "solution") are not published.
    """
    pages = []
    for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        pages.append(Page(source=path, kind="lecture", href=f"{path.stem}.html",
                          number=path.name[:2]))
    for path in sorted((notebooks / "homework").glob("*.ipynb")):
        if "solution" in path.stem.lower():
            continue
        number = re.match(r"(?:hw_?|homework_?)?(\d{2})", path.stem)
        pages.append(Page(source=path, kind="homework", href=f"homework/{path.stem}.html",
                          number=number.group(1) if number else ""))
    return sorted(pages, key=lambda p: (p.number or "99", p.kind != "lecture", p.source.name))


def _markdown_sources(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def describe(page: Page, notebook) -> None:
    """Fill in the page's title, subtitle, learning goals, words, players and figures."""
    markdown = _markdown_sources(notebook)
    text = "\n\n".join(markdown)
    title = re.search(r"^#\s+(.+)$", text, flags=re.M)
    page.title = title.group(1).strip() if title else page.source.stem
    if title:  # the italic line under the title
        after = text[title.end():].lstrip("\n")
        subtitle = re.match(r"\*([^*].*?)\*(?:\n\n|$)", after, flags=re.S)
        page.subtitle = " ".join(subtitle.group(1).split()) if subtitle else ""
    goals = re.search(r"^##\s+(?:What you will learn|Learning goals)[^\n]*\n(.*?)(?=^#{1,2}\s|\Z)",
                      text, flags=re.M | re.S | re.I)
    page.goals_markdown = goals.group(1).strip() if goals else ""
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    page.words = len(re.findall(r"\w+", text)) + len(re.findall(r"\w+", code)) // 2
    page.extra = dict(notebook.metadata.get("course", {}))
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data or "image/jpeg" in data or "image/svg+xml" in data:
                page.figures += 1
            for uri in re.findall(r'src="data:audio/flac;base64,([A-Za-z0-9+/=]{60,})',
                                  data.get("text/html", "")):
                page.players += 1
                page.audio_seconds += flac_seconds(uri)


def flac_seconds(data_base64: str) -> float:
    """The duration of a base64 FLAC file, read from its STREAMINFO block (0 if unreadable)."""
    try:
        head = base64.b64decode(data_base64[:64])
    except ValueError:
        return 0.0
    if head[:4] != b"fLaC" or len(head) < 26:
        return 0.0
    # STREAMINFO starts at byte 8: ... 20 bits sample rate, 3 channels, 5 bits per sample,
    # 36 bits total samples, at bytes 18 to 25.
    bits = int.from_bytes(head[18:26], "big")
    rate = bits >> 44
    samples = bits & ((1 << 36) - 1)
    return samples / rate if rate else 0.0


# ------------------------------------------------------------------------------------------
# Executing
# ------------------------------------------------------------------------------------------

def execute(path: Path, *, fast: bool, timeout: int):
    """Execute a notebook as the course's tests do; return it and the seconds it took.

    A lecture runs in its own folder (it writes nothing there; tests/test_notebooks.py checks).
    A homework notebook runs in a temporary copy of its folder (the notebook and its tests/),
    because Otter writes its log (.OTTER_LOG) beside the notebook.
    """
    import tempfile

    if path.parent.name == "homework":
        with tempfile.TemporaryDirectory(prefix="course-homework-") as folder:
            copy = Path(folder) / path.name
            shutil.copyfile(path, copy)
            if (path.parent / "tests").is_dir():
                shutil.copytree(path.parent / "tests", Path(folder) / "tests")
            return _execute_in_place(copy, fast=fast, timeout=timeout)
    return _execute_in_place(path, fast=fast, timeout=timeout)


def _execute_in_place(path: Path, *, fast: bool, timeout: int):
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    saved = {name: os.environ.get(name) for name in ("COURSE_FAST", "MPLBACKEND")}
    if fast:
        os.environ["COURSE_FAST"] = "1"
    else:
        os.environ.pop("COURSE_FAST", None)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    start = time.perf_counter()
    try:
        nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return notebook, time.perf_counter() - start


# ------------------------------------------------------------------------------------------
# Widgets: a still picture of their state, no JavaScript
# ------------------------------------------------------------------------------------------

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _render_output(output: dict) -> str:
    """One output of an Output widget as HTML."""
    if output.get("output_type") == "stream":
        return f"<pre>{html.escape(output.get('text', ''))}</pre>"
    data = output.get("data", {})
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            payload = "".join(data[mime]) if isinstance(data[mime], list) else data[mime]
            return f'<img alt="figure" src="data:{mime};base64,{payload.strip()}">'
    if "text/html" in data:
        value = data["text/html"]
        return "".join(value) if isinstance(value, list) else value
    if "text/plain" in data:
        value = data["text/plain"]
        return f"<pre>{html.escape(''.join(value) if isinstance(value, list) else value)}</pre>"
    if output.get("output_type") == "error":
        error = f"{output.get('ename', '')}: {output.get('evalue', '')}"
        return f"<pre>{html.escape(error)}</pre>"
    return ""


def _render_widget(model_id: str, models: dict, depth: int = 0) -> str:
    """A widget model as static HTML: boxes, controls with their values, HTML, outputs."""
    model = models.get(model_id.removeprefix("IPY_MODEL_"))
    if model is None or depth > 20:
        return ""
    name, state = model.get("model_name", ""), model.get("state", {})
    label = html.escape(str(state.get("description", "")))
    if name in ("VBoxModel", "HBoxModel", "BoxModel", "GridBoxModel"):
        css = "box-h" if name == "HBoxModel" else "box-v"
        inner = "".join(_render_widget(child, models, depth + 1)
                        for child in state.get("children", []))
        return f'<div class="{css}">{inner}</div>'
    if name in ("HTMLModel", "HTMLMathModel"):
        return f"<div>{state.get('value', '')}</div>"
    if name == "LabelModel":
        return f"<span class='control'>{html.escape(str(state.get('value', '')))}</span>"
    if name == "OutputModel":
        return "".join(_render_output(output) for output in state.get("outputs", []))
    if name in ("FloatProgressModel", "IntProgressModel"):
        return (f"<progress value='{state.get('value', 0)}' max='{state.get('max', 100)}'>"
                f"</progress>")
    if "_options_labels" in state:
        options = state.get("_options_labels", [])
        index = state.get("index")
        value = options[index] if isinstance(index, int) and 0 <= index < len(options) else ""
        return f"<span class='control'>{label}: <b>{html.escape(str(value))}</b></span>"
    if "value" in state:
        value = state["value"]
        if isinstance(value, float):
            fmt = state.get("readout_format", ".3g") or ".3g"
            try:
                value = format(value, fmt)
            except ValueError:
                value = f"{value:.3g}"
        return f"<span class='control'>{label}: <b>{html.escape(str(value))}</b></span>"
    return ""


SETUP_SUMMARY = ("Setup cell (on Colab it fetches and installs the course; elsewhere it only "
                 "imports it): click to show the code")


def fold_setup_cell(notebook) -> bool:
    """Fold the Colab setup cell's code into a <details>, so a page opens on its content.

    The setup cell is the first code cell that names ``REPOSITORY_URL``; its output stays
    visible. Returns whether there was one.
    """
    for cell in notebook.cells:
        if cell.cell_type == "code" and "REPOSITORY_URL" in cell.source:
            cell.metadata["site_fold"] = SETUP_SUMMARY
            return True
    return False


def make_widgets_static(notebook) -> int:
    """Replace every widget view by a still HTML picture of its state; return how many."""
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    count = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            view = data[WIDGET_VIEW]
            inner = _render_widget(view.get("model_id", ""), state)
            if not inner:  # nothing known about it: keep its text form
                output["data"] = {k: v for k, v in data.items() if k != WIDGET_VIEW}
                continue
            progress = all(m.get("model_name") in ("HBoxModel", "HTMLModel", "FloatProgressModel")
                           for m in _descendants(view.get("model_id", ""), state))
            note = "" if progress else (
                "<div class='note'>An interactive explorer: in Jupyter or Colab its controls "
                "move and redraw the figure. Here: its state when the notebook ran.</div>")
            output["data"] = {"text/html": f"<div class='static-widget'>{note}{inner}</div>"}
            count += 1
    notebook.metadata.pop("widgets", None)
    return count


def _descendants(model_id: str, models: dict) -> list[dict]:
    model = models.get(model_id.removeprefix("IPY_MODEL_"))
    if model is None:
        return []
    found = [model]
    for child in model.get("state", {}).get("children", []):
        found += _descendants(child, models)
    return found


# ------------------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------------------

def _relative(target: str, page_href: str) -> str:
    """The link from page_href to target, both relative to the site's root."""
    depth = page_href.count("/")
    return "../" * depth + target


def navigation(page: Page, built: list[Page], *, where: str) -> str:
    """The previous / course map / next bar of a page."""
    index = built.index(page)
    previous = built[index - 1] if index > 0 else None
    following = built[index + 1] if index + 1 < len(built) else None

    def link(other: Page | None, arrow: str, css: str) -> str:
        if other is None:
            return f'<span class="{css}"></span>'
        text = html.escape(other.title)
        label = f"← {text}" if arrow == "prev" else f"{text} →"
        return (f'<span class="{css}"><a rel="{arrow}" href="'
                f'{_relative(other.href, page.href)}">{label}</a></span>')

    return (f'<nav class="site-nav {where}" aria-label="course navigation">'
            f'{link(previous, "prev", "nav-prev")}'
            f'<span class="nav-map"><a href="{_relative("index.html", page.href)}">'
            f'Course map</a></span>{link(following, "next", "nav-next")}</nav>')


def export(page: Page, notebook, built: list[Page], mathjax_url: str,
           media: Path | None = None) -> str:
    """The page's HTML: nbconvert's lab template, offline, with the navigation bars.

    With ``media`` (a folder of the site), every audio player's data goes into a file there,
    named by its content (so a clip heard twice is stored once), and the player links it: the
    page then holds only what it shows at once, and the browser reads a clip when it is
    played (the players say preload="metadata"). Without, the audio stays in the page.
    """
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab",
                            extra_loaders=[jinja2.DictLoader({"site.html.j2": SITE_TEMPLATE})])
    exporter.template_file = "site.html.j2"
    if "://" in mathjax_url:
        exporter.mathjax_url = mathjax_url
    else:
        exporter.mathjax_url = _relative(mathjax_url, page.href)
    notebook.metadata["title"] = page.title
    resources = {"site": {"css": SITE_CSS,
                          "nav_top": navigation(page, built, where="top"),
                          "nav_bottom": navigation(page, built, where="bottom")}}
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    body = COLAB_BADGE.sub('<span class="colab-link">Open in Colab ↗</span>', body)
    # links between notebooks point to their pages
    pages = {p.source.resolve(): p for p in built}

    def relink(match: re.Match) -> str:
        target = (page.source.parent / f"{match.group(1)}.ipynb").resolve()
        if target in pages:
            return f'href="{_relative(pages[target].href, page.href)}{match.group(2) or ""}"'
        return match.group(0)

    body = NOTEBOOK_LINK.sub(relink, body)
    if media is None:
        return body
    linked = set()

    def to_file(match: re.Match) -> str:
        subtype, payload = match.group(1), re.sub(r"\s", "", match.group(2))
        data = base64.b64decode(payload)
        extension = {"x-wav": "wav", "mpeg": "mp3"}.get(subtype, subtype)
        name = f"{hashlib.sha256(data).hexdigest()[:20]}.{extension}"
        target = media / name
        if not target.exists():
            media.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if name not in linked:
            linked.add(name)
            page.audio_bytes += len(data)
        return f'src="{_relative(f"{media.name}/{name}", page.href)}"'

    return AUDIO_DATA.sub(to_file, body)


def markdown_html(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


def index_page(built: list[Page], failed: list[Page], *, fast: bool, mathjax_url: str) -> str:
    """The course map: for each notebook its title, goals, time and link."""
    cards = []
    lectures = [p for p in built + failed if p.kind == "lecture"]
    homework = [p for p in built if p.kind == "homework"]
    for page in sorted(lectures, key=lambda p: p.source.name):
        if page.error:
            cards.append(
                f'<section class="card failed"><h2>{html.escape(page.title or page.source.stem)}'
                f'</h2><p>Not built: {html.escape(page.error)}</p></section>')
            continue
        run = (f"; runs in {page.run_seconds:.0f} s ({'fast' if fast else 'full'} mode)"
               if page.run_seconds is not None else "")
        weight = f"{page.size / 2**20:.1f} MB" + (
            f" + {page.audio_bytes / 2**20:.1f} MB of audio read when played"
            if page.audio_bytes else "")
        meta = (f"About {page.minutes} min, plus the exercises · {page.figures} figures, "
                f"{page.players} audio players ({page.audio_seconds / 60:.1f} min of sound)"
                f"{run} · {weight}")
        own = [h for h in homework if h.number and h.number == page.number]
        hw = "".join(f'<p class="homework">Homework: <a href="{h.href}">'
                     f"{html.escape(h.title)}</a> (about {h.minutes} min)</p>" for h in own)
        cards.append(
            f'<section class="card" id="nb{page.number}"><h2><a href="{page.href}">'
            f"{html.escape(page.title)}</a></h2>"
            f'<p class="subtitle">{html.escape(page.subtitle)}</p>'
            f'<div class="goals"><b>What you will learn</b>'
            f"{markdown_html(page.goals_markdown)}</div>"
            f'<p class="meta">{meta}</p>{hw}</section>')
    loose = [h for h in homework if not any(h.number == p.number for p in lectures)]
    if loose:
        items = "".join(f'<li><a href="{h.href}">{html.escape(h.title)}</a> '
                        f"(about {h.minutes} min)</li>" for h in loose)
        cards.append(f'<section class="card"><h2>Homework</h2><ul>{items}</ul></section>')
    mode = ("fast mode (COURSE_FAST=1: shorter clips and fewer iterations than in class)"
            if fast else "full mode")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Audio source separation: an open course</title>
<style>{INDEX_CSS}</style>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [['$','$'], ['\\\\(','\\\\)']], processEscapes: true}},
                    messageStyle: 'none'}});
</script>
<script src="{mathjax_url}"></script>
</head>
<body>
<h1>Audio source separation: an open course</h1>
<p class="lede">{len(lectures)} notebooks from a waveform to a trained separation network
(音源分離の講義ノートブック). Each page below is a notebook as it ran, with its figures and
audio players; it needs no Jupyter and no network. To run the code and move the explorers,
open the notebooks in Jupyter or on Colab (see the course's README).</p>
<nav class="site-nav" aria-label="course navigation">{" · ".join(
        f'<a href="{p.href}">{html.escape(p.title.split("·")[0].strip() or p.title)}</a>'
        for p in built)}</nav>
{"".join(cards)}
<footer>Times are estimates: reading at 100 words a minute, each audio player heard once and
a minute per figure, rounded up to 5 minutes; the exercises take longer. Built in {mode}
on {time.strftime("%Y-%m-%d")}.</footer>
</body>
</html>
"""


# ------------------------------------------------------------------------------------------
# MathJax
# ------------------------------------------------------------------------------------------

def find_mathjax(explicit: str | None) -> Path | None:
    """A MathJax 2 folder (with MathJax.js and the combined TeX-AMS_CHTML-full config)."""
    candidates = [Path(explicit)] if explicit else []
    if os.environ.get("MATHJAX_DIR"):
        candidates.append(Path(os.environ["MATHJAX_DIR"]))
    candidates += MATHJAX_SEARCH
    for folder in candidates:
        if all((folder / name).is_file() for name in ("MathJax.js",
                                                       "config/TeX-AMS_CHTML-full.js")):
            return folder
    if explicit:
        raise SystemExit(f"--mathjax {explicit}: no MathJax 2 there (MathJax.js and "
                         "config/TeX-AMS_CHTML-full.js)")
    return None


def copy_mathjax(source: Path, target: Path) -> int:
    """Copy the parts of MathJax the pages use (symbolic links followed); return bytes."""
    if target.exists():
        shutil.rmtree(target)
    for part in MATHJAX_PARTS:
        src = source / part
        if src.is_dir():
            shutil.copytree(src, target / part, symlinks=False)
        elif src.is_file():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target / part)
    return sum(f.stat().st_size for f in target.rglob("*") if f.is_file())


# ------------------------------------------------------------------------------------------
# The build
# ------------------------------------------------------------------------------------------

def build(out: Path = DEFAULT_OUT, *, fast: bool = False, executed: Path | None = None,
          timeout: int = 1800, mathjax: str | None = None, pages: list[Page] | None = None,
          inline_audio: bool = False, keep_executed: Path | None = None,
          log=print) -> tuple[list[Page], list[Page]]:
    """Build the site into ``out``; return the pages built and those that failed.

    The audio goes to ``out/media/`` unless ``inline_audio`` (see :func:`export`).
    """
    import nbformat

    pages = find_pages() if pages is None else pages
    out.mkdir(parents=True, exist_ok=True)
    # what an earlier build left (a page whose notebook is gone would linger)
    for old in list(out.glob("*.html")) + list(out.glob("homework/*.html")):
        old.unlink()
    for folder in ("media", "screenshots"):
        shutil.rmtree(out / folder, ignore_errors=True)
    mathjax_dir = find_mathjax(mathjax)
    if mathjax_dir is None:
        log("warning: no MathJax 2 found (Debian: apt install libjs-mathjax; or --mathjax DIR):"
            " the pages load it from its CDN, and need a network for their equations")
        mathjax_url = MATHJAX_CDN
    else:
        size = copy_mathjax(mathjax_dir, out / "mathjax")
        log(f"MathJax from {mathjax_dir}: {size / 2**20:.1f} MB copied to {out / 'mathjax'}")
        mathjax_url = f"mathjax/MathJax.js?config={MATHJAX_CONFIG}"

    notebooks = {}
    for page in pages:
        done = None
        if executed is not None:
            candidate = executed / Path(page.href).with_suffix(".ipynb")
            done = candidate if candidate.is_file() else None
        try:
            if done is not None:
                notebooks[page.href] = nbformat.read(done, as_version=4)
                log(f"{page.source.relative_to(ROOT)}: executed already ({done})")
            else:
                log(f"{page.source.relative_to(ROOT)}: executing "
                    f"({'fast' if fast else 'full'} mode) ...")
                notebooks[page.href], page.run_seconds = execute(page.source, fast=fast,
                                                                 timeout=timeout)
                log(f"    done in {page.run_seconds:.0f} s")
                if keep_executed is not None:
                    kept = keep_executed / Path(page.href).with_suffix(".ipynb")
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    nbformat.write(notebooks[page.href], kept)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the page out, reported
            first = str(exc).strip().splitlines()
            reason = next((line for line in reversed(first) if line.strip()), type(exc).__name__)
            page.error = f"{type(exc).__name__} while executing: {reason[:300]}"
            log(f"    FAILED: {page.error}")
        describe(page, notebooks.get(page.href) or nbformat.read(page.source, as_version=4))

    built = [p for p in pages if not p.error]
    failed = [p for p in pages if p.error]
    media = None if inline_audio else out / "media"
    for page in built:
        notebook = notebooks[page.href]
        make_widgets_static(notebook)
        fold_setup_cell(notebook)
        text = export(page, notebook, built, mathjax_url, media=media)
        target = out / page.href
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        page.size = target.stat().st_size
    index_url = mathjax_url
    (out / "index.html").write_text(index_page(built, failed, fast=fast, mathjax_url=index_url),
                                    encoding="utf-8")
    return built, failed


def report(built: list[Page], failed: list[Page], out: Path, log=print) -> bool:
    """Print each page's size; True when every page was built and is under the limit."""
    ok = not failed
    log(f"\n{'page':<32} {'page MB':>7} {'audio MB':>8}  {'players':>7}  {'figures':>7}  "
        f"{'run s':>6}")
    for page in built:
        flag = ""
        if page.size > PAGE_LIMIT_BYTES:
            flag, ok = "  OVER 8 MB", False
        run = f"{page.run_seconds:6.0f}" if page.run_seconds is not None else "     -"
        audio = f"{page.audio_bytes / 2**20:8.2f}" if page.audio_bytes else f"{'-':>8}"
        log(f"{page.href:<32} {page.size / 2**20:7.2f} {audio}  {page.players:7d}  "
            f"{page.figures:7d}  {run}{flag}")
    index = out / "index.html"
    log(f"{'index.html':<32} {index.stat().st_size / 2**20:7.2f}")
    if (out / "media").is_dir():
        files = list((out / "media").iterdir())
        log(f"media/: {len(files)} audio files, {sum(f.stat().st_size for f in files) / 2**20:.1f}"
            " MB (page MB: the HTML, opened at once; audio MB: its clips, read when played)")
    for page in failed:
        log(f"NOT BUILT {page.source.relative_to(ROOT)}: {page.error}")
    log(f"site: {out}/index.html")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: build/html")
    parser.add_argument("--fast", action="store_true",
                        help="execute with COURSE_FAST=1 (shorter clips, fewer iterations)")
    parser.add_argument("--executed", type=Path,
                        help="folder of notebooks executed already, named as the pages "
                             "(NN_name.ipynb, homework/name.ipynb); the others are executed")
    parser.add_argument("--keep-executed", type=Path,
                        help="save the notebooks it executes there (for --executed next time)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--mathjax", help="a MathJax 2.7 folder (default: found by itself)")
    parser.add_argument("--inline-audio", action="store_true",
                        help="keep the audio inside each page (one file a page, but pages "
                             "with many players grow past 8 MB) instead of in media/")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    built, failed = build(args.out, fast=args.fast, executed=args.executed,
                          timeout=args.timeout, mathjax=args.mathjax,
                          inline_audio=args.inline_audio, keep_executed=args.keep_executed)
    ok = report(built, failed, args.out)
    print(f"built {len(built)} pages in {time.perf_counter() - start:.0f} s"
          + (f"; {len(failed)} failed" if failed else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
