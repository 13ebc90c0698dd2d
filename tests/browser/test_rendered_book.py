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
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                 f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
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
    loaded = [browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
              for img in images]
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
