"""Browser tests: Debian's Chromium driven by Playwright against a live daphne serving the test database."""

import os

import pytest
from playwright.sync_api import sync_playwright

from tests.live import daphne

# Playwright's sync API keeps an event loop running in this thread; the ORM calls these tests make to arrange data
# are still ordinary blocking calls, so Django's async-safety guard is relaxed here (and only here).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker):
    # Every journey logs in through the form from 127.0.0.1; the login limit is not what these tests are about.
    with daphne(DUGNAD_RATE_LOGIN="600/min") as url:
        yield url


@pytest.fixture
def live_db(transactional_db, django_db_serialized_rollback):
    """Committed data the live server can see; rows seeded by migrations (categories) are restored after each test."""


@pytest.fixture
def page(browser, live_url, live_db):
    context = browser.new_context(base_url=live_url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
