"""The site in a real browser (headless Chromium): browse the catalog, search, open a
program and follow its tree by keyboard; sign in to the console, approve a nomination,
revoke a credential and see the change on the public credential page; a phone-sized window
shows the pages without sideways scrolling."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from programhub.app import create_app
from programhub.settings import Settings
from programhub.store import Store
from tests.dialects.record.support import BASE, issue_body, make_program
from tests.site.browser import chromium
from tests.site.console_support import program_with_nomination
from tests.site.support import create, default_catalog_id
from tests.support import Tenants, serve_in_thread


def _by(kind: str) -> Any:
    from selenium.webdriver.common.by import By

    return getattr(By, kind)


def _navigated(browser: Any, act: Any) -> None:
    """Do `act` (a click or a key that leaves the page) and wait (up to 20 s) until the page
    it left is gone, so that what is read next is the new page's. Asked about the old page
    while the new one replaces it, chromedriver may answer an inspector error ("Node with
    given id does not belong to the document") instead of a stale element: asked again."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(_by("TAG_NAME"), "html")
    act()
    WebDriverWait(browser, 20, ignored_exceptions=(WebDriverException,)).until(expected_conditions.staleness_of(old))


def _at(browser: Any, url: str) -> bool:
    """Wait (up to 10 s) for a navigation a click started to arrive at `url`."""
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(browser, 10).until(lambda driver: driver.current_url == url)
    except Exception:  # noqa: BLE001 - answered as False, with the URL in the assertion
        return False
    return True


def _seed(client: TestClient, store: Store, tenants: Tenants) -> dict[str, Any]:
    key = tenants.a_live
    course = create(client, key, "course", title="Intro to Python", path="python", credits=3, tag_names=["Code"])
    create(client, key, "course", title="Pottery", path="pottery", tag_names=["Art"])
    program = create(client, key, "program", title="Data Science", path="data-science", description="Learn data.",
                     enrollment_cap=20, requirement_ids=[course["id"]], tag_names=["Code"])  # fmt: skip
    _program, nomination = program_with_nomination(store, key, "Reviewers Wanted", "reviewer-1")
    program_public_id = make_program(store, key, "Cyber Security")
    body = issue_body(program_public_id, [{"name": "Ada Lovelace", "email": "ada@example.edu"}])
    batch = client.post(f"{BASE}/credentials", json=body, headers=key.bearer).json()["data"]
    return {"catalog": default_catalog_id(client, key), "program": program, "nomination": nomination,
            "batch": batch["batchId"], "recipient": batch["recipients"][0]["recipientId"]}  # fmt: skip


def test_browse_search_and_open_a_program(settings: Settings, store: Store, tenants: Tenants) -> None:
    app: FastAPI = create_app(settings, store=store)
    with TestClient(app) as client:
        seeded = _seed(client, store, tenants)
    from selenium.webdriver.common.keys import Keys

    with serve_in_thread(app) as base, chromium() as browser:
        browser.get(f"{base}/catalogs/{seeded['catalog']}")
        assert browser.title == "Organisation A"
        titles = [h.text for h in browser.find_elements(_by("CSS_SELECTOR"), "ol.results h2")]
        assert titles == ["Cyber Security", "Data Science", "Intro to Python", "Pottery", "Reviewers Wanted"]
        search = browser.find_element(_by("NAME"), "q")
        _navigated(browser, lambda: search.send_keys("python", Keys.ENTER))  # the form submits from the keyboard
        assert [h.text for h in browser.find_elements(_by("CSS_SELECTOR"), "ol.results h2")] == ["Intro to Python"]
        assert "q=python" in browser.current_url
        _navigated(browser, browser.find_element(_by("LINK_TEXT"), "Code").click)  # a tag filters by it
        assert [h.text for h in browser.find_elements(_by("CSS_SELECTOR"), "ol.results h2")] == [
            "Data Science", "Intro to Python"]  # fmt: skip
        link = browser.find_element(_by("LINK_TEXT"), "Data Science")
        _navigated(browser, lambda: link.send_keys(Keys.ENTER))  # keyboard, not a click
        assert browser.find_element(_by("TAG_NAME"), "h1").text == "Data Science"
        assert "Open for enrollment; 20 seats left" in browser.find_element(_by("CSS_SELECTOR"), "dl.facts").text
        tree = browser.find_element(_by("CSS_SELECTOR"), "ol.tree").text
        assert "Intro to Python" in tree and "3 credits" in tree
        # The first Tab reaches the skip link, and it leads to the content.
        browser.find_element(_by("TAG_NAME"), "body").send_keys(Keys.TAB)
        focused = browser.switch_to.active_element
        assert focused.text == "Skip to content"
        _navigated(browser, browser.find_element(_by("LINK_TEXT"), "Intro to Python").click)
        assert browser.find_element(_by("TAG_NAME"), "h1").text == "Intro to Python"


def test_the_console_approves_and_revokes(settings: Settings, store: Store, tenants: Tenants) -> None:
    app: FastAPI = create_app(settings, store=store)
    with TestClient(app) as client:
        seeded = _seed(client, store, tenants)
    with serve_in_thread(app) as base, chromium() as browser:
        browser.get(f"{base}/credentials/{seeded['recipient']}")
        assert browser.find_element(_by("CSS_SELECTOR"), "dd.status").text == "Verified"
        browser.get(f"{base}/console")
        assert _at(browser, f"{base}/console/sign-in"), browser.current_url
        browser.find_element(_by("NAME"), "key").send_keys(tenants.a_live.key)
        browser.find_element(_by("CSS_SELECTOR"), "form.stack button").click()
        assert _at(browser, f"{base}/console/programs"), browser.current_url
        assert tenants.a_live.key not in browser.current_url
        faces = [
            h.get_attribute("textContent").split(" ")[0]
            for h in browser.find_elements(_by("CSS_SELECTOR"), ".faces h3")
        ]
        assert {"Canvas", "Record", "Sunbird", "WebAdMIT"} <= set(faces)
        cookies = {cookie["name"]: cookie for cookie in browser.get_cookies()}
        session = cookies["programhub_console"]
        assert (session["httpOnly"], session["sameSite"], session["path"]) == (True, "Strict", "/console")

        browser.find_element(_by("LINK_TEXT"), "Nominations").click()
        row = browser.find_element(_by("XPATH"), "//tr[td[contains(., 'reviewer-1')]]")
        assert "Pending" in row.text
        row.find_element(_by("XPATH"), ".//button[text()='Approve']").click()
        assert "The nomination was approved." in browser.find_element(_by("CSS_SELECTOR"), "p.notice").text
        row = browser.find_element(_by("XPATH"), "//tr[td[contains(., 'reviewer-1')]]")
        assert "Approved" in row.text

        browser.find_element(_by("LINK_TEXT"), "Credentials").click()
        browser.find_element(_by("CSS_SELECTOR"), f"a[href='/console/credentials/{seeded['batch']}']").click()
        browser.find_element(_by("NAME"), "reason").send_keys("Issued in error")
        browser.find_element(_by("XPATH"), "//button[text()='Revoke']").click()
        assert "The credential was revoked." in browser.find_element(_by("CSS_SELECTOR"), "p.notice").text

        browser.get(f"{base}/credentials/{seeded['recipient']}")
        assert browser.find_element(_by("CSS_SELECTOR"), "dd.status").text == "Revoked"
        assert "Issued in error" in browser.find_element(_by("CSS_SELECTOR"), "dl.facts").text

        browser.get(f"{base}/console/programs")
        browser.find_element(_by("XPATH"), "//button[text()='Sign out']").click()
        assert _at(browser, f"{base}/console/sign-in?note=signed-out"), browser.current_url
        assert "programhub_console" not in {cookie["name"] for cookie in browser.get_cookies()}


def test_readable_on_a_phone(settings: Settings, store: Store, tenants: Tenants) -> None:
    app: FastAPI = create_app(settings, store=store)
    with TestClient(app) as client:
        seeded = _seed(client, store, tenants)
    with serve_in_thread(app) as base, chromium(width=390, height=844) as browser:
        for path in (f"/catalogs/{seeded['catalog']}", f"/catalogs/{seeded['catalog']}/programs/data-science",
                     f"/credentials/{seeded['recipient']}", "/console/sign-in"):  # fmt: skip
            browser.get(base + path)
            widths = browser.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= widths[1], (path, widths)  # nothing sideways
            size = browser.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
            assert size >= 16, (path, size)


def test_enroll_get_waitlisted_and_promoted_from_the_console(settings: Settings, store: Store, tenants: Tenants) -> None:
    app: FastAPI = create_app(settings, store=store)
    key = tenants.a_live
    with TestClient(app) as client:
        course = create(client, key, "course", title="Pottery", path="pottery", enrollment_cap=1, waitlist=True)
    base_path = f"/catalogs/{course['catalog']['id']}/courses/pottery"
    with serve_in_thread(app) as base, chromium() as browser:
        for name, expected in (("Ada", "Enrolled."), ("Grace", "On the waitlist.")):
            browser.get(base + base_path)
            browser.find_element(_by("LINK_TEXT"), "Enroll" if name == "Ada" else "Join the waitlist").click()
            browser.find_element(_by("NAME"), "first_name").send_keys(name)
            browser.find_element(_by("NAME"), "email").send_keys(f"{name.lower()}@example.edu")
            browser.find_element(_by("CSS_SELECTOR"), "form.stack button").click()
            assert expected in browser.find_element(_by("CSS_SELECTOR"), "p.notice").text
        browser.get(base + base_path)
        facts = browser.find_element(_by("CSS_SELECTOR"), "dl.facts").text
        assert "Full: join the waitlist; 1 waiting" in facts

        browser.get(f"{base}/console/sign-in")
        browser.find_element(_by("NAME"), "key").send_keys(key.key)
        browser.find_element(_by("CSS_SELECTOR"), "form.stack button").click()
        assert _at(browser, f"{base}/console/programs"), browser.current_url
        browser.get(f"{base}/console/programs/{course['id']}")
        assert "Grace" in browser.find_element(_by("CSS_SELECTOR"), "ol.results").text
        browser.find_element(_by("XPATH"), "//button[text()='Add a seat and promote the first']").click()
        assert "The first on the waitlist got a seat." in browser.find_element(_by("CSS_SELECTOR"), "p.notice").text
        enrolled = browser.find_element(_by("CSS_SELECTOR"), "table").text
        assert "Ada" in enrolled and "Grace" in enrolled
        browser.get(base + base_path)
        assert "Full" in browser.find_element(_by("CSS_SELECTOR"), "dl.facts").text
