# The course's commands. Each one creates .venv when it is missing (or half-made) and installs
# what it needs; `make clean` removes it.
#   make lab    JupyterLab on notebooks/ (installs the course with its lab and unet extras)
#   make test   the whole test suite, notebooks included (adds the dev extra)
#   make html   the course website in build/html/: every notebook executed, readable offline
#   make homework  Otter Assign: the student notebooks in notebooks/homework/ and their autograders
#   make data   render data/ again from MIDI (needs fluidsynth and fluidr3mono-gm-soundfont)
#   make lint   ruff
#   make bench  the benchmarks
#   make train-unet  train the U-Net shipped in data/models/ (37 min on 2 busy CPU cores)
PYTHON ?= python3
VENV   ?= .venv
# PyTorch is installed by scripts/install_torch.py, which picks the build this machine needs
# (see its docstring). TORCH=<pip arguments> overrides it, e.g. `make lab TORCH=torch==2.13.0`.
TORCH  ?=
export TORCH
PY        := $(VENV)/bin/python
LAB_STAMP := $(VENV)/.course-lab
DEV_STAMP := $(VENV)/.course-installed

.PHONY: install lab test html data lint bench train-unet clean homework

# A .venv without a working python and pip (what a failed `python3 -m venv` leaves behind, e.g.
# on Ubuntu without python3-venv) or with a Python older than 3.10 is created again: its rule
# below runs whenever this check fails.
VENV_OK := $(shell $(PY) -c "import sys, pip; sys.exit(sys.version_info < (3, 10))" \
                   >/dev/null 2>&1 && echo yes)
ifneq ($(VENV_OK),yes)
.PHONY: $(PY)
endif

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "No $(PYTHON) found: install Python 3.10 or newer" \
	    "(https://www.python.org/downloads/), or name yours with make ... PYTHON=python3.12"; exit 1; }
	@if [ -e $(VENV) ]; then \
	    if [ ! -f $(VENV)/pyvenv.cfg ]; then echo "$(VENV) exists and is not a virtual" \
	        "environment: move it away, or choose another folder with VENV=..."; exit 1; fi; \
	    echo "$(VENV) is incomplete (no working python or pip in it) or too old: creating it again"; \
	    rm -rf $(VENV); \
	fi
	@$(PYTHON) scripts/install_torch.py --check-python
	@$(PYTHON) -m venv $(VENV) && $(PY) -m pip --version >/dev/null 2>&1 || { \
	    rm -rf $(VENV); \
	    echo "Creating $(VENV) with $(PYTHON) failed. On Debian or Ubuntu, install Python's venv" \
	        "module first: sudo apt install python$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv" \
	        "(then run make again)"; \
	    exit 1; }

# What the notebooks need: the course with its lab and unet extras, torch first (so that the unet
# extra, unpinned, finds it installed). `make test` and the other targets add the dev extra.
$(LAB_STAMP): pyproject.toml scripts/install_torch.py $(PY)
	$(PY) scripts/install_torch.py
	$(PY) -m pip install --quiet -e ".[lab,unet]"
	touch $(LAB_STAMP)

$(DEV_STAMP): $(LAB_STAMP)
	$(PY) -m pip install --quiet -e ".[lab,unet,dev]"
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

# Root (a Docker container, say) needs --allow-root, or JupyterLab refuses to start.
lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/

test: $(DEV_STAMP)
	$(PY) -m pytest

# The course website in build/html/ (scripts/build_site.py): index.html, the course map, and
# every lecture and homework notebook executed in full (not COURSE_FAST), with its figures,
# audio players (media/) and equations (a local MathJax: apt install libjs-mathjax), readable
# offline from file://. FAST=1 builds it in fast mode, as the tests do (about 3 min, not 6).
html: $(DEV_STAMP)
	$(PY) scripts/build_site.py --out build/html $(if $(FAST),--fast)

# The homework: Otter Assign turns each master notebook in notebooks/homework/source/ into the
# student notebook (committed, no outputs) and its public tests, and checks the solutions pass;
# the autograder zips go to build/homework/ (notebooks/homework/grade.py grades with them).
# otter-grader comes with the dev extra (and the homework extra, for a student's own machine).
homework: $(DEV_STAMP)
	$(PY) notebooks/homework/build.py

data: $(DEV_STAMP)
	$(PY) data/render.py

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

bench: $(DEV_STAMP)
	@for b in benchmarks/bench_*.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(PY) "$$b"; done

# The U-Net of notebook 06: trained from data/unet/ and written to data/models/ (weights,
# config, training log). Its defaults are the shipped model's; see scripts/train_unet.py.
train-unet: $(DEV_STAMP)
	$(PY) scripts/train_unet.py

clean:
	rm -rf $(VENV) build .pytest_cache
