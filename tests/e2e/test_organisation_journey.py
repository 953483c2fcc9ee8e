"""An organisation's admin shares a join link; a neighbour opens it without JavaScript, joins and follows."""

import re

from playwright.sync_api import expect

from neighbours import selectors, services
from neighbours.models import Follow
from tests.factories import PASSWORD, NeighbourFactory


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def test_join_by_link_and_follow_without_javascript(browser, live_url, live_db):
    admin = NeighbourFactory(email="ola@example.org", display_name="Ola")
    joiner = NeighbourFactory(email="per@example.org", display_name="Per")
    club = services.organisation_create(created_by=admin, name="Hessa Ballklubb", kind="club")

    # The admin makes a join link on the members page.
    context = browser.new_context(base_url=live_url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    log_in(page, "ola@example.org")
    page.get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="Hessa Ballklubb").click()
    page.get_by_role("link", name="Manage members").click()
    page.get_by_role("button", name="Make a join link").click()
    link = page.get_by_label("Join link").input_value()
    context.close()

    # Another neighbour opens it, joins, and follows the club.
    context = browser.new_context(base_url=live_url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    log_in(page, "per@example.org")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Hessa Ballklubb")
    page.get_by_role("button", name="Join").click()
    expect(page).to_have_url(re.compile(rf"/organisations/{club.pk}/$"))
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Stop following")).to_be_visible()
    context.close()

    assert selectors.membership_role(neighbour=joiner, organisation=club) == "member"
    assert Follow.objects.filter(neighbour=joiner, organisation=club).exists()
