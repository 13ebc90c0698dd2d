# make book  - install if needed, execute every notebook at PROFILE, render HTML
# make test  - install if needed, ruff (format and lint), unit tests, nbval over the notebooks, strict
#              book build, browser check, and the book in a clone with nothing
#              beside it (what .ci/run calls)
PROFILE ?= smoke
DEVICE  ?= auto
VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install book test lint unit nbval render browser-deps browser isolated clean

$(INSTALLED): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

install: $(INSTALLED)

book: install
	$(PYTHON) -m deblurbook reproduce --profile $(PROFILE) --device $(DEVICE)
	$(PYTHON) -m deblurbook render

lint: install
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/ruff check src tests

unit: install
	$(PYTHON) -m pytest -q -m "not browser and not isolated" tests

# JOBS chapters at once, longest (the last) first: a chapter's notebooks in order in one pytest
# (later ones read what earlier ones wrote), each kernel on CORES/JOBS threads. A notebook that
# passes is kept as the book's executed copy (book/nbval_record.py): the render reuses it.
JOBS    ?= 2
THREADS := $(shell n=$$(nproc); t=$$((n / $(JOBS))); [ $$t -ge 1 ] && echo $$t || echo 1)

nbval: install
	ls -dr notebooks/ch*/ | OMP_NUM_THREADS=$(THREADS) xargs -P $(JOBS) -I{} \
	  $(PYTHON) -m pytest -q -p no:cacheprovider -p deblurbook.book.nbval_record --nbval-lax --nbval-cell-timeout=600 {}

render: install
	$(PYTHON) -m deblurbook reproduce --profile smoke --device $(DEVICE) --jobs $(JOBS)
	$(PYTHON) -m deblurbook render

browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -q && apt-get install -y -q chromium chromium-driver)

browser: install browser-deps
	$(PYTHON) -m pytest -q -m browser tests

# The committed tree, cloned into an empty folder (no ../shared beside it), runs the book.
isolated: install
	$(PYTHON) -m pytest -q -m isolated tests

test: install browser-deps
	$(MAKE) lint
	$(MAKE) unit
	$(MAKE) nbval
	$(MAKE) render
	$(MAKE) browser
	$(MAKE) isolated

clean:
	rm -rf _build results/smoke
