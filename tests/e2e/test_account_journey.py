"""A new resident registers, logs in and sees the home page, then switches language."""

import re

from playwright.sync_api import expect

from neighbours.models import Neighbour

PASSWORD = "a long walk by the fjord"


def test_register_log_in_and_see_the_home_page(page):
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Create an account").click()

    page.get_by_label("Your name").fill("Astrid Lunde")
    page.get_by_label("E-mail address").fill("astrid@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Your language").select_option("en")
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert Neighbour.objects.filter(email="astrid@example.org").exists()

    page.get_by_role("main").get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail address").fill("astrid@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Welcome, Astrid Lunde")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_wrong_password_shows_an_error_the_screen_reader_announces(page):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill("nobody@example.org")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("main").get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("The e-mail address or the password is not correct.")


def test_the_language_switch_works_without_javascript_and_keeps_the_page(browser, live_url, live_db):
    context = browser.new_context(base_url=live_url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto("/login/")

    page.get_by_label("Language", exact=True).select_option("nb")
    page.get_by_role("button", name="Change language").click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
    context.close()
