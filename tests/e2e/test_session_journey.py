"""A senior joins a full session's waiting list and gets the seat when someone else cancels."""

from playwright.sync_api import expect

from offers.models import SignUp
from offers.sessions import signup_create, signup_create_assisted
from tests.factories import PASSWORD, NeighbourFactory, group_session, help_offer, seniors_association


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def test_a_waitlisted_senior_is_promoted_when_someone_cancels(browser, live_url, live_db):
    """Given a session with one seat: Per takes it; Sigrid joins the waiting list as number 1; Per cancels his place
    under "My sessions"; Sigrid's open session page changes by itself to say she has a seat (no reload), and her
    notifications say so too."""
    coordinator = NeighbourFactory(display_name="Cora Coordinator")
    association = seniors_association(coordinators=[coordinator], name="Aspøy Seniorforening")
    offer = help_offer(author=coordinator, organisation=association, category="digital",
                       title="Digital Post for beginners")
    session = group_session(offer=offer, capacity=1, place="Aspøy library")
    NeighbourFactory(email="per@example.org", display_name="Per")
    NeighbourFactory(email="sigrid@example.org", display_name="Sigrid")
    per = browser.new_context(base_url=live_url, locale="en-GB").new_page()
    sigrid = browser.new_context(base_url=live_url, locale="en-GB").new_page()

    log_in(per, "per@example.org")
    per.goto(f"/offers/{offer.pk}/")
    expect(per.get_by_text("1 seat left")).to_be_visible()
    per.get_by_role("button", name="Sign up").click()
    expect(per.locator(".session-status")).to_have_text("You have a seat")

    log_in(sigrid, "sigrid@example.org")
    sigrid.goto(f"/offers/{offer.pk}/")
    expect(sigrid.get_by_text("Full – you can join the waiting list")).to_be_visible()
    sigrid.get_by_role("button", name="Join the waiting list").click()
    expect(sigrid.locator(".session-status")).to_have_text("You are number 1 on the waiting list")
    sigrid.goto(f"/sessions/{session.pk}/")
    expect(sigrid.locator(".session-status")).to_have_text("You are number 1 on the waiting list")
    expect(sigrid.locator("[data-live-refresh]")).to_have_attribute("data-live-connected", "1")

    per.get_by_role("link", name="My sessions").click()
    expect(per.get_by_role("heading", name="Digital Post for beginners")).to_be_visible()
    per.get_by_role("button", name="Cancel my place").click()
    expect(per.get_by_text("You have not signed up for any sessions.")).to_be_visible()

    expect(sigrid.locator(".session-status")).to_have_text("You have a seat")
    expect(sigrid.get_by_role("link", name="Open the group conversation")).to_be_visible()
    sigrid.get_by_role("link", name="Notifications").click()
    expect(sigrid.get_by_text("Good news: you now have a seat")).to_be_visible()
    assert SignUp.objects.get(neighbour__email="sigrid@example.org").status == "confirmed"


def test_a_message_written_for_a_member_without_a_device_shows_live_as_via_the_coordinator(browser, live_url,
                                                                                           live_db):
    """Per, who has a seat, has the group conversation open; the coordinator writes for Kari from the association's
    page; Per sees the message arrive as "Kari Nordmann (via Cora Coordinator)" without reloading."""
    coordinator = NeighbourFactory(email="cora@example.org", display_name="Cora Coordinator")
    association = seniors_association(coordinators=[coordinator], name="Aspøy Seniorforening")
    offer = help_offer(author=coordinator, organisation=association, category="digital",
                       title="Digital Post for beginners")
    session = group_session(offer=offer, capacity=5)
    per_person = NeighbourFactory(email="per@example.org", display_name="Per")
    signup_create(session=session, neighbour=per_person)
    signup_create_assisted(session=session, by=coordinator, organisation=association, name="Kari Nordmann",
                           phone="91234567")
    per = browser.new_context(base_url=live_url, locale="en-GB").new_page()
    cora = browser.new_context(base_url=live_url, locale="en-GB").new_page()

    log_in(per, "per@example.org")
    per.goto(f"/messages/{session.thread_id}/")
    expect(per.get_by_text("New messages appear here by themselves.")).to_be_visible()

    log_in(cora, "cora@example.org")
    cora.goto(f"/organisations/{association.pk}/assisted/")
    cora.get_by_label("Write in the group conversation for Kari Nordmann").fill("Kari will bring her own phone")
    cora.get_by_role("button", name="Send").click()

    message = per.locator(".chat-message", has_text="Kari will bring her own phone")
    expect(message.locator(".chat-author")).to_have_text("Kari Nordmann (via Cora Coordinator)")
