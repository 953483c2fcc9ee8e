"""Keyboard only: posting a request, signing up for a session and sending a message work with Tab, Enter, Space and
typing, no mouse, and the element that has the focus is always visibly marked."""

import pytest
from playwright.sync_api import expect

from requests.models import HelpRequest
from tests.e2e.world import build_world, generous_daphne, log_in

# What the focused element looks like: a visible outline or a focus ring drawn with box-shadow.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {visible: outline || style.boxShadow !== "none", html: el.outerHTML.slice(0, 160)};
}"""


@pytest.fixture(scope="module")
def live_url(django_db_setup, django_db_blocker):
    with generous_daphne() as url:
        yield url


@pytest.fixture
def world(live_db):
    return build_world()


@pytest.fixture
def keyboard_page(browser, live_url):
    context = browser.new_context(base_url=live_url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def tab_to(page, selector, *, limit=80):
    """Presses Tab until the focused element matches ``selector``; every element passed on the way shows focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None:
            continue
        assert state["visible"], f"no visible focus on {state['html']}"
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def test_post_a_request_with_the_keyboard(keyboard_page, world):
    """Given Ann on the new-request page, when she tabs to the title, types it, tabs to the map and presses Enter to
    put the pin in its centre, then tabs to the button and presses Enter, then her request is posted."""
    page = keyboard_page
    log_in(page, "ann@example.org")
    page.goto("/requests/new/")

    tab_to(page, "#id_title")
    page.keyboard.type("Carry my shopping upstairs")
    tab_to(page, "[data-map-picker]")
    page.keyboard.press("Enter")
    expect(page.locator("[data-map-picker]")).to_have_attribute("data-picked", "true")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Carry my shopping upstairs")).to_be_visible()
    assert HelpRequest.objects.filter(title="Carry my shopping upstairs", author__email="ann@example.org").exists()


def test_sign_up_for_a_session_with_the_keyboard(keyboard_page, world):
    """Given Ann on a session page with seats left, when she tabs to "Sign up" and presses Space, then she has a
    seat."""
    page = keyboard_page
    log_in(page, "ann@example.org")
    page.goto(f"/sessions/{world.ids['open_session']}/")
    expect(page.locator("[data-live-refresh]")).to_have_attribute("data-live-connected", "1")

    tab_to(page, "form[action$='/signup/'] button")
    page.keyboard.press("Space")

    expect(page.locator(".session-status")).to_have_text("You have a seat")


def test_send_a_message_with_the_keyboard(keyboard_page, world):
    """Given Ann in the agreement's conversation, when she tabs to the message box, types and tabs to "Send" and
    presses Enter, then her message shows in the conversation."""
    page = keyboard_page
    log_in(page, "ann@example.org")
    page.goto(f"/messages/{world.ids['thread']}/")

    tab_to(page, "textarea[name=body]")
    page.keyboard.type("I will bring coffee.")
    tab_to(page, "[data-chat-form] button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.locator(".chat-body", has_text="I will bring coffee.")).to_be_visible()
