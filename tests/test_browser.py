"""The web app in a real browser: Debian's headless Chromium driven by Selenium through chromedriver,
against a real uvicorn server on a real SQLite store holding the edition of the seed inbox."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digest.config import Settings
from digest.newsdesk import Newsdesk

from .test_web import DAY, fresh_settings, serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
    pytest.skip(
        "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow  # one browser, two editions: about 10 s for the file

WAIT = 30.0  # seconds a page may take to show what is expected (an edition takes a few)


def chromium(width: int = 1280, height: int = 900) -> Any:
    """A headless Chromium of the system's, driven by the system's chromedriver (never a download)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={width},{height}")
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    return webdriver.Chrome(options=options, service=service)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str]]:
    """A server on a store holding the edition of 3 November 2019; yields its settings and base URL."""
    settings = fresh_settings(tmp_path_factory.mktemp("browser"))
    with Newsdesk(settings, clock=lambda: datetime(2019, 11, 3, 7, 0, tzinfo=UTC)) as desk:
        desk.make_edition()
    with serving(settings) as server:
        yield settings, f"http://127.0.0.1:{server.port}"


def wait_for_url(driver: Any, base: str, pattern: str) -> str:
    """The page's URL, once it is ``base`` and a path matching ``pattern`` (a click returns before the next
    page is there)."""
    whole = re.escape(base) + pattern
    WebDriverWait(driver, WAIT).until(lambda d: re.fullmatch(whole, d.current_url), f"never at {base}{pattern}")
    return str(driver.current_url)


def wait_for(driver: Any, css: str, text: str | None = None) -> Any:
    """The first element matching ``css`` (holding ``text``), once the page shows it."""

    def found(d: Any) -> Any:
        for element in d.find_elements(By.CSS_SELECTOR, css):
            if text is None or text in element.text:
                return element
        return False

    return WebDriverWait(driver, WAIT).until(found, f"no {css!r} holding {text!r} on {driver.current_url}")


def test_todays_edition_and_a_story(browser: Any, site: tuple[Settings, str]) -> None:
    _, base = site
    browser.get(base + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "3 November 2019"
    links = browser.find_elements(By.CSS_SELECTOR, ".web-stories h2 a")
    assert len(links) >= 2
    title = links[0].text
    links[0].click()
    wait_for_url(browser, base, rf"/editions/{DAY}/stories/[^/]+")
    assert wait_for(browser, "h1.story-title").text == title
    assert browser.find_elements(By.CSS_SELECTOR, ".sources li") and browser.find_elements(By.CSS_SELECTOR, "a.cite")
    kicker = browser.find_element(By.CSS_SELECTOR, ".kicker a")
    assert kicker.text.casefold() == "edition of 3 november 2019"  # shown in capitals by the style
    colours = "return [getComputedStyle(arguments[0]).color, getComputedStyle(arguments[0].parentElement).color]"
    link_colour, kicker_colour = browser.execute_script(colours, kicker)
    assert link_colour == kicker_colour  # the kicker's link keeps the kicker's colour
    kicker.click()
    wait_for_url(browser, base, rf"/editions/{DAY}/digest\.html#.+")
    assert "Iranian general" in browser.page_source


def overflowing(driver: Any) -> list[str]:
    """The elements of the page that reach past the right edge of the viewport."""
    script = """const edge = document.documentElement.clientWidth;
    return Array.from(document.querySelectorAll('body *'))
      .filter(e => e.getBoundingClientRect().right > edge + 0.5)
      .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));"""
    return list(driver.execute_script(script))


def test_every_page_fits_a_phone_screen(browser: Any, site: tuple[Settings, str]) -> None:
    _, base = site
    browser.get(base + "/")
    story = browser.find_element(By.CSS_SELECTOR, ".web-stories h2 a").get_attribute("href")
    metrics = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        for path in ("/", "/archive", story.removeprefix(base), "/search?q=soleimani+baghdad", "/status", "/add"):
            browser.get(base + path)
            assert browser.execute_script("return document.documentElement.clientWidth") == 390
            assert overflowing(browser) == [], path
        browser.get(base + "/status")
        assert "made 2019-11-03 07:00:00+00:00" in browser.find_element(By.CSS_SELECTOR, ".facts").text
        # the file box no longer widens its fieldset past the one above it
        browser.get(base + "/add")
        edges = browser.execute_script(
            "return Array.from(document.querySelectorAll('.add fieldset')).map(f => f.getBoundingClientRect().right)"
        )
        assert len(edges) == 2 and edges[0] == edges[1]
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_search_a_word_and_follow_a_hit(browser: Any, site: tuple[Settings, str]) -> None:
    _, base = site
    browser.get(base + "/")
    browser.find_element(By.LINK_TEXT, "Search").click()
    wait_for_url(browser, base, r"/search")
    box = wait_for(browser, "input#q")
    assert browser.switch_to.active_element == box  # the box has the focus: type at once
    box.send_keys("Soleimani\n")
    wait_for_url(browser, base, r"/search\?q=Soleimani")
    wait_for(browser, ".overview", "match")
    marks = browser.find_elements(By.CSS_SELECTOR, ".hits mark")
    assert marks and {m.text.casefold() for m in marks} == {"soleimani"}
    browser.find_element(By.CSS_SELECTOR, ".hits a[href*='/stories/']").click()
    wait_for_url(browser, base, rf"/editions/{DAY}/stories/[^/]+")
    story = wait_for(browser, "article.web-story")
    assert "Soleimani" in story.text


def test_add_an_article_then_make_an_edition_that_carries_it(browser: Any, site: tuple[Settings, str]) -> None:
    settings, base = site
    browser.get(base + "/add")
    browser.find_element(By.ID, "title").send_keys("Harbour bridge reopens")
    browser.find_element(By.ID, "text").send_keys(
        "The harbour bridge reopened to traffic on Monday after two years of repairs. "
        "Officials said the work on the harbour bridge finished a month early, and the ferry will stop."
    )
    browser.find_element(By.CSS_SELECTOR, "form.add button[type=submit]").click()
    saved = wait_for(browser, ".notice", "Saved into the inbox as")
    name = saved.find_element(By.TAG_NAME, "code").text
    assert re.fullmatch(r"web-\d{8}-\d{6}-[0-9a-f]{8}\.txt", name)
    assert (settings.inbox / name).read_text(encoding="utf-8").startswith("Harbour bridge reopens\n\nThe harbour")

    browser.get(base + "/")
    browser.find_element(By.XPATH, "//button[text()='Make an edition now']").click()
    wait_for_url(browser, base, r"/jobs/edition")
    # the page's own script polls the job's state and puts the link in once the edition is written
    link = wait_for(browser, "#job a", "Read it")
    assert "written" in browser.find_element(By.ID, "job").text
    assert browser.switch_to.active_element == link  # the link takes the focus
    today = datetime.now(UTC).date().isoformat()  # timezone = "UTC"
    assert link.get_attribute("href") == f"{base}/editions/{today}/digest.html"
    link.click()
    wait_for_url(browser, base, rf"/editions/{today}/digest\.html")
    wait_for(browser, "body", "harbour bridge reopened to traffic")
    browser.get(base + "/archive")
    days = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".archive h2")]
    assert len(days) == 2 and days[1] == "3 November 2019"


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    """Serves one page, of another origin, that submits a form to the app as soon as it loads."""

    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def attacker_site(page: str) -> Iterator[str]:
    """A second local HTTP server serving ``page``; yields its URL."""
    handler = type("Handler", (_AttackerPage,), {"page": page.encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_form_without_the_token_or_from_another_origin_is_refused(browser: Any, site: tuple[Settings, str]) -> None:
    settings, base = site
    before = sorted(p.name for p in settings.inbox.iterdir())
    browser.get(base + "/add")
    token = browser.find_element(By.NAME, "csrf").get_attribute("value")
    assert token
    # a form of the app's own page, posted without its token
    browser.execute_script("document.querySelector('form.add input[name=csrf]').remove();")
    browser.find_element(By.ID, "text").send_keys("An article planted without the token.")
    browser.find_element(By.CSS_SELECTOR, "form.add button[type=submit]").click()
    assert "missing or wrong CSRF token" in wait_for(browser, "p[role=alert]").text
    assert browser.find_element(By.TAG_NAME, "h1").text == "Refused"

    browser.get(base + "/jobs/edition/state")
    job_before = browser.find_element(By.TAG_NAME, "body").text
    assert '"state":"running"' not in job_before
    # a page of another origin that knows the token (the worst case) still gets nowhere
    for action, field in (("/add", '<input name="text" value="An article planted from elsewhere.">'), ("/make", "")):
        page = (
            f'<!DOCTYPE html><html><body><form method="post" action="{base}{action}">'
            f'<input type="hidden" name="csrf" value="{token}">{field}</form>'
            "<script>document.forms[0].submit();</script></body></html>"
        )
        with attacker_site(page) as elsewhere:
            browser.get(elsewhere)
            wait_for_url(browser, base, rf"{action}")
            assert "missing or wrong CSRF token" in wait_for(browser, "p[role=alert]").text
    assert sorted(p.name for p in settings.inbox.iterdir()) == before
    browser.get(base + "/jobs/edition/state")
    assert browser.find_element(By.TAG_NAME, "body").text == job_before  # no edition was started
