"""The built website (``make docs``, out/site) in headless Chromium: the home page, a chapter and an explorer
page open without a console error, the chapter's math is typeset by the bundled MathJax, and the explorer
steps. The site is served on the loopback address, as `python -m http.server -d out/site` does; the home
page is also opened from disk (file://), as a reader may."""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import ROOT, SHOTS, console_errors

pytest.importorskip("selenium", reason="selenium is not installed (the test extra)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SITE = ROOT / "out" / "site"
needs_site = pytest.mark.skipif(not (SITE / "index.html").exists(),
                                reason="the site is not built: `make docs` builds out/site and runs this test")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _open(driver, url):
    driver.get_log("browser")
    driver.get(url)


@needs_site
def test_home_chapter_and_explorer_open_without_errors(browser, site):
    _open(browser, f"{site}/index.html")
    assert "autodiff-dojo" in browser.title
    links = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "nav a[href]")}
    assert any("chapters/" in h for h in links) and any(h.endswith("explorer.html") for h in links)
    browser.save_screenshot(str(SHOTS / "site_index.png"))
    assert console_errors(browser) == []
    _open(browser, (SITE / "index.html").as_uri())
    assert "autodiff-dojo" in browser.title and console_errors(browser) == []

    chapter = next(iter(sorted((SITE / "chapters").glob("11_*.html"))), None) or \
        sorted((SITE / "chapters").glob("*.html"))[0]
    _open(browser, f"{site}/chapters/{chapter.name}")
    # MathJax (bundled, no CDN) has typeset the chapter's formulas
    WebDriverWait(browser, 15).until(
        lambda d: d.execute_script("return document.querySelectorAll('mjx-container svg').length > 0"))
    browser.save_screenshot(str(SHOTS / "site_chapter.png"))
    assert console_errors(browser) == []

    _open(browser, f"{site}/explorer/course.html")
    root = browser.find_element(By.CSS_SELECTOR, ".adx")
    root.send_keys(Keys.END)
    assert root.get_attribute("data-step") == root.find_element(By.CSS_SELECTOR, ".adx-slider").get_attribute("max")
    browser.save_screenshot(str(SHOTS / "site_explorer.png"))
    assert console_errors(browser) == []
