"""Browser tests: Playwright (sync API) drives Debian's Chromium against pytest-django's live server.

Write a walkthrough like this:

    pytestmark = pytest.mark.e2e

    def test_something(page, demo):
        login(page, "DEMO0001")
        page.get_by_role("link", name="Consulter les conventions").first.click()
        check(page, "conventions-liste")   # screenshot + axe-core, fails on any violation

`page` has the live server as base URL (page.goto("/compte/connexion/") or page.goto(url("accounts:login"))),
a fresh browser context (no cookies) per test, and records CSP violations and JavaScript errors,
which make the test fail. `demo` loads the demo data of `manage.py demo_data`.
"""
import os

import pytest

# Playwright's sync API runs an event loop in the test thread; ORM calls made by the test itself
# (fixtures, assertions on the database) are still plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Bind the live server to the IPv4 loopback (listed in ALLOWED_HOSTS), not to whatever "localhost" resolves to.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-dev-shm-usage"]
TIMEOUT_MS = 15_000
CSP_PREFIX = "CSP violation"
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const target = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : String(e.target);
  console.error(`%s: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} from ${e.sourceFile}:${e.lineNumber} on ${target}`);
});
""" % CSP_PREFIX


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium introuvable ({CHROMIUM}) : apt-get install chromium, ou CHROMIUM_PATH=…")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    # Say which element and which file broke the Content Security Policy (the console message does not).
    context.add_init_script(CSP_REPORTER)
    page = context.new_page()
    page.portal_errors = []

    def on_console(message):
        if message.type == "error" and message.text.startswith(CSP_PREFIX):
            page.portal_errors.append(f"{message.text} (page {page.url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.portal_errors.append(f"JavaScript : {error}"))
    yield page
    context.close()


# The demo as `load_demo` left it the first time in this process: (snapshot, logins).
_DEMO: dict = {}


@pytest.fixture(scope="session", autouse=True)
def _tables_filled_by_migrations(django_db_setup, django_db_blocker):
    """Tables holding rows before any browser test wrote (what the migrations put there, unless a test
    already emptied the database): the first `demo` may still be copied with them."""
    from portail.testing import snapshot

    with django_db_blocker.unblock():
        return frozenset(snapshot.non_empty_tables())


@pytest.fixture
def demo(transactional_db, _tables_filled_by_migrations):
    """The demo data (conventions, groups, roles, demo logins), in the live server's database.

    The first test of the process loads it for real (`load_demo`) and keeps a copy of every row
    (portail/testing/snapshot.py); the next ones get the same rows put back into the emptied database.
    The copy is used only when the database is as emptied (a fixture that wrote before `demo` gets a real
    load on top of its rows) and only on the day it was taken (the files are computed at the day of loading).
    """
    from django.core import mail
    from django.db import connection

    from portail.core import clock
    from portail.demo.data import load_demo
    from portail.testing import snapshot

    key = (connection.vendor, connection.settings_dict["NAME"], clock.today())
    saved = _DEMO.get("snapshot")
    if saved is not None and saved.key == key and snapshot.is_empty():
        snapshot.restore(saved)
        logins = _DEMO["logins"]
    else:
        clean = snapshot.is_empty(ignore=_tables_filled_by_migrations)
        logins = load_demo()
        if clean:
            _DEMO.update(snapshot=snapshot.take(key=key), logins=logins)
    mail.outbox.clear()  # the walkthrough starts with an empty mailbox
    return logins
