# The course's commands. Each one creates .venv when it is missing and installs what it needs.
#   make lab    JupyterLab on notebooks/
#   make test   the whole test suite, notebooks included
#   make html   execute every notebook and write build/html/
#   make data   render data/ again from MIDI (needs fluidsynth and fluidr3mono-gm-soundfont)
#   make lint   ruff
PYTHON ?= python3
VENV   ?= .venv
# The CPU build of PyTorch on this course's machines; on another machine set TORCH to the
# spec you want (e.g. make test TORCH=torch) before anything that depends on torch installs.
TORCH  ?= torch==2.13.0
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.course-installed

.PHONY: install lab test html data lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[lab,unet,dev]"
	touch $(STAMP)

install: $(STAMP)

lab: install
	$(VENV)/bin/jupyter lab notebooks/

test: install
	$(PY) -m pytest

# Every lecture notebook executed in full (not COURSE_FAST) to build/html/NN_name.html, with its
# figures and audio players embedded.
html: install
	mkdir -p build/html
	env -u COURSE_FAST $(VENV)/bin/jupyter nbconvert --to html --execute \
	    --ExecutePreprocessor.timeout=1800 --output-dir build/html notebooks/[0-9][0-9]_*.ipynb

data: install
	$(PY) data/render.py

lint: install
	$(VENV)/bin/ruff check .

bench: install
	@for b in benchmarks/bench_*.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(PY) "$$b"; done

clean:
	rm -rf $(VENV) build .pytest_cache
