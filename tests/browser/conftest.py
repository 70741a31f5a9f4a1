"""Headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by selenium, for the browser tests.

The tests skip, saying why, where selenium, the browser or its driver is missing; ``make test`` installs
them (the browser as root with apt-get, selenium with the ``test`` extra).
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "browser"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,900"]


def _find(*names: str) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium with a fresh profile, its console log kept (``browser.get_log("browser")``)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the test extra)")
    chrome = _find("chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver", "chromium-driver")
    if chrome is None or driver_path is None:
        pytest.skip("no headless browser: install Debian's chromium and chromium-driver "
                    "(make test does, when run as root with apt-get)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="autodiff-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    except Exception as e:  # a browser that cannot start here (no display libraries, a mismatched driver)
        shutil.rmtree(profile, ignore_errors=True)
        pytest.skip(f"headless Chromium could not start: {str(e).splitlines()[0]}")
    driver.set_page_load_timeout(20)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver) -> list[str]:
    """Console messages at error level since the last call (JavaScript errors, failed loads)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def open_file(driver, path: os.PathLike) -> None:
    driver.get_log("browser")  # start this page with an empty log
    driver.get(Path(path).resolve().as_uri())
