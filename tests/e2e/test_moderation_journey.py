"""A neighbour reports a request; a community moderator hides it; the reporter hears the outcome."""

from playwright.sync_api import expect

from neighbours.models import Report
from tests.factories import PASSWORD, NeighbourFactory, help_request, moderator


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def test_report_a_request_and_a_moderator_hides_it(browser, live_url, live_db):
    """Given Bob's request, when Ann reports it and Mia hides it from the moderation page, then Ann no longer finds
    it and is told what happened."""
    ann = NeighbourFactory(email="ann@example.org", display_name="Ann")
    bob = NeighbourFactory(display_name="Bob")
    moderator(email="mia@example.org")
    post = help_request(author=bob, title="Cheap watches for sale", notify_nearby=False)
    reporter = browser.new_context(base_url=live_url, locale="en-GB").new_page()
    mia = browser.new_context(base_url=live_url, locale="en-GB").new_page()

    log_in(reporter, ann.email)
    reporter.goto(f"/requests/{post.pk}/")
    reporter.get_by_role("link", name="Report").click()
    reporter.get_by_label("Spam or advertising").check()
    reporter.get_by_role("button", name="Send the report").click()
    expect(reporter.get_by_role("status")).to_contain_text("The community moderators will look at it")
    assert Report.objects.get().reason == "spam"

    log_in(mia, "mia@example.org")
    mia.get_by_role("link", name="Moderation").click()
    expect(mia.get_by_role("heading", name="Request: Cheap watches for sale")).to_be_visible()
    mia.get_by_label("Hide it").check()
    mia.get_by_role("button", name="Decide").click()
    expect(mia.get_by_role("status")).to_contain_text("Done")

    response = reporter.goto(f"/requests/{post.pk}/")
    assert response.status == 404
    reporter.goto("/notifications/")
    expect(reporter.get_by_role("main")).to_contain_text("A moderator looked at what you reported and hid it.")
