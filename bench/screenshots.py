"""Screenshots of the site's pages, so a reader can see them without running anything:

    .venv/bin/python bench/screenshots.py [directory]      (default docs/screenshots)

A fresh SQLite database with the demo organisation (in test mode, so the server runs with
the preview flag), the app served on a free local port, and Debian's headless Chromium
(`apt-get install chromium chromium-driver`; selenium from the test extra) opening each
page at a desktop and a phone width; one PNG each."""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from programhub.app import create_app
from programhub.core.catalogs import service as catalogs
from programhub.core.keys import service as keys
from programhub.core.tenancy import Mode, Tenant
from programhub.demo import ensure_demo
from programhub.settings import Settings
from programhub.store import open_store
from programhub.store.migrate import upgrade
from programhub.web.deps import signing_of

WIDTHS = {"desktop": (1280, 1000), "phone": (390, 844)}


def _serve(settings: Settings) -> tuple[str, uvicorn.Server, threading.Thread]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


def _browser(width: int, height: int) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--hide-scrollbars"):  # fmt: skip
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/screens.db"
        settings = Settings(
            database_url=url,
            credential_key_file=f"{scratch}/credential-key",
            catalog_preview_test=True,
            run_jobs=False,
            log_requests=False,
        )
        store = open_store(url)
        upgrade(store)
        with store.write() as conn:
            demo = ensure_demo(conn, signing_of(settings))
            key = keys.create(conn, demo.org.public_id, Mode.TEST, "screenshots").secret
            tenant = Tenant(demo.org.id, Mode.TEST, demo.org.public_id, demo.org.name)
            catalog_id = catalogs.default_id(conn, tenant)
        store.dispose()
        base, server, thread = _serve(settings)
        try:
            for label, (width, height) in WIDTHS.items():
                browser = _browser(width, height)
                try:
                    _shoot(browser, base, catalog_id, key, out, label)
                finally:
                    browser.quit()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    print(f"screenshots written to {out}")


def _shoot(browser: webdriver.Chrome, base: str, catalog_id: int, key: str, out: Path, label: str) -> None:
    def save(name: str) -> None:
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(browser.get_window_size()["width"], min(int(height) + 100, 4000))
        browser.save_screenshot(str(out / f"{name}-{label}.png"))

    browser.get(f"{base}/catalogs/{catalog_id}")
    save("catalog-home")
    browser.get(f"{base}/catalogs/{catalog_id}?q=mongo")
    save("catalog-search")
    browser.get(f"{base}/catalogs/{catalog_id}/programs/mongodb")
    save("catalog-program")
    browser.get(f"{base}/catalogs/{catalog_id}/programs/mongodb/enroll")
    save("catalog-enroll")
    browser.find_element(By.NAME, "first_name").send_keys("Ada")
    browser.find_element(By.NAME, "email").send_keys(f"ada-{label}@example.edu")
    browser.find_element(By.CSS_SELECTOR, "form.stack button").click()
    time.sleep(0.3)
    save("catalog-enrolled")
    browser.get(f"{base}/console/sign-in")
    save("console-sign-in")
    browser.find_element(By.NAME, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "form.stack button").click()
    time.sleep(0.3)
    save("console-programs")
    program = browser.find_element(By.CSS_SELECTOR, "section h2 a").get_attribute("href")
    browser.get(str(program))
    save("console-program")
    for page in ("nominations", "credentials", "keys"):
        browser.get(f"{base}/console/{page}")
        save(f"console-{page}")
    browser.get(f"{base}/console/credentials")
    batch = browser.find_elements(By.CSS_SELECTOR, "td a[href^='/console/credentials/']")
    if batch:
        batch[0].click()
        save("console-batch")
        recipient = browser.find_elements(By.CSS_SELECTOR, "td a[href^='/credentials/']")
        if recipient:
            recipient[0].click()
            save("credential")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "screenshots")
