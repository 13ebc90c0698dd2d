# make book  - install if needed, execute every notebook at PROFILE, render HTML
# make test  - install if needed, unit tests, nbval over the notebooks, strict
#              book build, browser check (what .ci/run calls)
PROFILE ?= smoke
DEVICE  ?= auto
VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install book test unit nbval render browser-deps browser clean

$(INSTALLED): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

install: $(INSTALLED)

book: install
	$(PYTHON) -m deblurbook.reproduce --profile $(PROFILE) --device $(DEVICE)
	$(PYTHON) -m deblurbook.book

unit: install
	$(PYTHON) -m pytest -q -m "not browser" tests

nbval: install
	$(PYTHON) -m pytest -q -p no:cacheprovider --nbval-lax --nbval-cell-timeout=600 notebooks

render: install
	$(PYTHON) -m deblurbook.reproduce --profile smoke --device $(DEVICE)
	$(PYTHON) -m deblurbook.book

browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -q && apt-get install -y -q chromium chromium-driver)

browser: install browser-deps
	$(PYTHON) -m pytest -q -m browser tests

test: install browser-deps
	$(MAKE) unit
	$(MAKE) nbval
	$(MAKE) render
	$(MAKE) browser

clean:
	rm -rf _build results/smoke
