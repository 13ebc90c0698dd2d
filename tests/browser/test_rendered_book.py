"""The rendered book in a real browser (headless Debian chromium via selenium).

Runs after ``python -m deblurbook.book``: it fails (never skips) when the
HTML is missing. Screenshots go to ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from deblurbook.book.render import intro_page
from deblurbook.book.toc import entries

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"


def _title(md: Path) -> str:
    for line in md.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"{md}: no '# ' title")


@pytest.fixture(scope="module")
def site():
    assert intro_page(ROOT).is_file(), f"{intro_page(ROOT)} missing: run `make book` first"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "Debian's chromium and chromium-driver are needed (make browser-deps)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile_dir = tempfile.mkdtemp(prefix="chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={profile_dir}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile_dir, ignore_errors=True)


def _open(browser, site, page: Path, shot: str):
    browser.get(f"{site}/{page.relative_to(HTML).as_posix()}")
    browser.save_screenshot(str(SHOTS / f"{shot}.png"))
    return browser


def test_intro_page_title_and_profiles_table(browser, site):
    _open(browser, site, intro_page(ROOT), "intro")
    assert "Deblurring, reproduced" in browser.title
    body = browser.find_element("tag name", "main").text
    for name in ("smoke", "small", "paper"):
        assert re.search(rf"^{name}\b", body, re.M), f"profile {name} missing from the intro's table"


def test_sidebar_lists_every_chapter(browser, site):
    _open(browser, site, intro_page(ROOT), "sidebar")
    sidebar = browser.find_element("css selector", "nav.bd-docs-nav").get_attribute("textContent")
    chapters = [e for e in entries(ROOT)[1:] if e.path.suffix == ".md" and e.chapter]
    assert len(chapters) == 8, [e.file for e in chapters]
    for entry in chapters:
        title = _title(entry.path)
        assert " ".join(title.split()) in " ".join(sidebar.split()), f"sidebar lacks {title!r}"


def test_figure_on_a_notebook_page_loads(browser, site):
    notebook = next(e for e in entries(ROOT) if e.is_notebook)
    _open(browser, site, HTML / f"{notebook.file}.html", "figure-page")
    images = browser.find_elements("css selector", ".cell_output img")
    assert images, "no figure on the first notebook page"
    loaded = [
        browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) for img in images
    ]
    assert any(w and w > 100 for w in loaded), f"figures did not load (natural widths {loaded})"


def test_tables_printed_by_notebooks_render_as_tables(browser, site):
    """display(Markdown(table)) must become an HTML table, not a line of pipes."""
    notebook = next(e for e in entries(ROOT) if e.is_notebook)
    _open(browser, site, HTML / f"{notebook.file}.html", "output-tables")
    tables = browser.find_elements("css selector", ".cell_output table")
    assert tables, "no rendered table in the notebook's outputs"
    text = " ".join(t.text for t in tables)
    assert "smoke" in text and "paper" in text  # the profiles table printed by the notebook
    raw = [e.text for e in browser.find_elements("css selector", ".cell_output p") if e.text.count("|") > 4]
    assert not raw, f"tables left as raw Markdown: {raw[:1]}"


RESULTS_PAGES = {
    "01.04": "notebooks/ch01_foundations/01.04-classical-baselines",
    "07.01": "notebooks/ch07_side-by-side/07.01-one-protocol",
    "07.02": "notebooks/ch07_side-by-side/07.02-verdicts-and-cost",
}
# the chapters with committed reference results (the others' pages say that there are none yet)
COMMITTED = {p.name for p in (ROOT / "results" / "small").glob("ch*") if any(p.glob("*.json"))}
WITH_REFERENCE = [name for name in RESULTS_PAGES if f"ch{name[:2]}" in COMMITTED]
WITHOUT_REFERENCE = [name for name in RESULTS_PAGES if name not in WITH_REFERENCE]


def _full_page(browser, shot: str) -> None:
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, min(height, 8000))
    browser.save_screenshot(str(SHOTS / f"{shot}.png"))
    browser.set_window_size(1400, 1000)


@pytest.mark.parametrize("name", WITHOUT_REFERENCE)
def test_results_pages_without_committed_results_say_so(browser, site, name):
    _open(browser, site, HTML / f"{RESULTS_PAGES[name]}.html", f"results-{name}")
    body = browser.find_element("tag name", "main").text
    assert "No committed reference results yet" in body, f"{name}: no word that its reference results are missing"


@pytest.mark.parametrize("name", WITH_REFERENCE)
def test_results_pages_show_the_reference_results_first(browser, site, name):
    _open(browser, site, HTML / f"{RESULTS_PAGES[name]}.html", f"results-{name}")
    _full_page(browser, f"page-{name}")
    captions = [
        e.text
        for e in browser.find_elements("css selector", ".cell_output strong")
        if e.text.startswith(("Reference (", "This run ("))
    ]
    assert captions, f"{name}: no captioned results table"
    assert captions[0].startswith("Reference ("), f"{name}: the first results table is {captions[0]!r}"
    banner = browser.find_elements("css selector", "main div.admonition")  # not the hidden code's <details>
    assert banner and "profile" in banner[0].text, f"{name}: no admonition naming the profile at the top"


def test_equations_render_with_mathjax_from_the_site(browser, site):
    _open(browser, site, HTML / "notebooks/ch01_foundations/01.01-how-blur-forms.html", "mathjax")
    sources = [s.get_attribute("src") or "" for s in browser.find_elements("css selector", "script")]
    mathjax = [src for src in sources if "mathjax" in src.lower()]
    assert mathjax and all(src.startswith(site) and "_static/mathjax/" in src for src in mathjax), mathjax
    import time

    deadline = time.time() + 20
    while time.time() < deadline and not browser.find_elements("css selector", "mjx-container"):
        time.sleep(0.2)
    assert browser.find_elements("css selector", "mjx-container"), (
        "MathJax did not typeset (this browser has no network)"
    )


def _notebook_pages():
    return [e for e in entries(ROOT) if e.is_notebook]


def test_no_page_has_an_absolute_path_or_a_console_error(browser, site):
    leaks, errors = [], []
    for page in [intro_page(ROOT)] + [HTML / f"{e.file}.html" for e in _notebook_pages()]:
        browser.get(f"{site}/{page.relative_to(HTML).as_posix()}")
        text = " ".join(e.text for e in browser.find_elements("css selector", ".cell_output"))
        leaks += [f"{page.name}: {marker}" for marker in (str(ROOT), "/root/", "/home/", "/tmp/") if marker in text]
        errors += [f"{page.name}: {e['message'][:200]}" for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not leaks, f"absolute paths in outputs: {leaks[:5]}"
    assert not errors, f"console errors: {errors[:5]}"


def test_the_intro_has_generated_headlines_and_a_reading_path(browser, site):
    _open(browser, site, intro_page(ROOT), "intro-full")
    _full_page(browser, "page-intro")
    body = browser.find_element("tag name", "main").text
    assert "Headline results" in body and "A reading path" in body and "What exists" in body
    assert "headline is the comparison of all five under one protocol" in body  # (Sphinx curls the apostrophe)
    assert "No committed `small` results yet" not in body, "the headlines were not generated from results/small"
