"""A football club and its mowing contractor move a mowing date: the contractor proposes from the agreement page,
the club sees the proposal appear live in their conversation, accepts it there, and both see the new date."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from neighbours.models import Membership
from requests.agreements import format_when
from requests.models import Occurrence, Proposal
from tests.e2e.world import outside_the_event_loop
from tests.factories import PASSWORD, MembershipFactory, NeighbourFactory, OrganisationFactory, agreement

LIVE = "New messages appear here by themselves."


@pytest.fixture
def open_as(browser, live_url, live_db):
    """``open_as(neighbour)`` → a page logged in as ``neighbour``, in a browser context of its own."""
    contexts = []

    def open_(neighbour):
        context = browser.new_context(base_url=live_url, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/login/")
        page.get_by_label("E-mail address").fill(neighbour.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def mowing(live_db):
    """Ola coordinates Hessa BK, which asked for weekly mowing on Fridays; Jonas runs the contractor that mows."""
    return outside_the_event_loop(_mowing)


def _mowing():
    ola, jonas = NeighbourFactory(display_name="Ola"), NeighbourFactory(display_name="Jonas")
    club, firm = OrganisationFactory(name="Hessa BK"), OrganisationFactory(name="Plen og Park AS")
    MembershipFactory(organisation=club, neighbour=ola, role=Membership.Role.COORDINATOR)
    MembershipFactory(organisation=firm, neighbour=jonas, role=Membership.Role.ADMIN)
    deal = agreement(requester=ola, helper=jonas, organisation=club, helper_organisation=firm,
                     recurrence="FREQ=WEEKLY;COUNT=4", title="Mowing the pitch",
                     start=(timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0))
    return deal, ola, jonas


def test_club_and_contractor_move_a_mowing_date_in_the_thread(open_as, mowing):
    deal, ola, jonas = mowing
    occurrence = deal.occurrences.order_by("starts_at").first()
    new_start = occurrence.starts_at - timedelta(days=1)
    local = timezone.localtime(new_start)
    with translation.override("en"):
        new_text, old_text = format_when(new_start), format_when(occurrence.starts_at)

    # Given the club's coordinator has the conversation open, live
    club = open_as(ola)
    club.goto(f"/messages/{deal.thread_id}/")
    chat = club.get_by_role("region", name="Messages")
    expect(chat.get_by_role("status")).to_have_text(LIVE)

    # When the contractor proposes, on the agreement page, to mow a day earlier because of a match
    firm = open_as(jonas)
    firm.goto(f"/agreements/{deal.pk}/")
    expect(firm.get_by_role("heading", name="Mowing the pitch")).to_be_visible()
    date = firm.locator(f'[data-occurrence="{occurrence.pk}"]')
    expect(date.locator(".occurrence-date")).to_contain_text(old_text)
    date.get_by_text("Move this date").click()
    date.get_by_label("New date").fill(local.strftime("%Y-%m-%d"))
    date.get_by_label("Time").fill(local.strftime("%H:%M"))
    date.get_by_label("Why? (optional)").fill("match on Saturday")
    date.get_by_role("button", name="Propose the new time").click()
    expect(firm.get_by_text("Your proposal was sent.")).to_be_visible()

    # Then the proposal appears live in the club's conversation as a card with Accept and Decline, and the date has
    # not moved yet
    card = chat.locator(".proposal-card")
    expect(card).to_contain_text("Waiting for an answer")
    expect(chat.get_by_text("match on Saturday")).to_be_visible()
    assert Occurrence.objects.get(pk=occurrence.pk).starts_at == occurrence.starts_at

    # When the club accepts there
    card.get_by_role("button", name="Accept").click()

    # Then the card says accepted, without buttons, and the date has moved for both of them
    card = club.get_by_role("region", name="Messages").locator(".proposal-card")
    expect(card).to_contain_text("Accepted")
    expect(card.get_by_role("button")).to_have_count(0)
    assert Proposal.objects.get().status == Proposal.Status.ACCEPTED
    club.goto(f"/agreements/{deal.pk}/")
    expect(club.locator(f'[data-occurrence="{occurrence.pk}"] .occurrence-date')).to_contain_text(new_text)
    firm.goto(f"/agreements/{deal.pk}/")
    expect(firm.locator(f'[data-occurrence="{occurrence.pk}"] .occurrence-date')).to_contain_text(new_text)
    expect(firm.get_by_role("region", name="Changes so far")).to_contain_text("Accepted")


def test_a_decision_updates_the_card_live_for_the_proposer(open_as, mowing):
    """The contractor watches the conversation; when the club accepts elsewhere, the card's status changes live."""
    deal, ola, jonas = mowing
    occurrence = deal.occurrences.order_by("starts_at").first()

    # Given the contractor has the conversation open and proposes to skip a date from there
    firm = open_as(jonas)
    firm.goto(f"/messages/{deal.thread_id}/")
    chat = firm.get_by_role("region", name="Messages")
    expect(chat.get_by_role("status")).to_have_text(LIVE)
    firm.get_by_role("link", name="Propose a change").click()
    firm.locator(f'[data-occurrence="{occurrence.pk}"]').get_by_role("button", name="Propose to skip").click()
    firm.goto(f"/messages/{deal.thread_id}/")
    chat = firm.get_by_role("region", name="Messages")
    expect(chat.locator(".proposal-card")).to_contain_text("Waiting for an answer")
    expect(chat.get_by_role("status")).to_have_text(LIVE)

    # When the club accepts it on the agreement page
    club = open_as(ola)
    club.goto(f"/agreements/{deal.pk}/")
    club.get_by_role("button", name="Accept").click()

    # Then the contractor's card says accepted, live, and its buttons are gone
    expect(chat.locator(".proposal-card")).to_contain_text("Accepted")
    expect(chat.locator(".proposal-card").get_by_role("button")).to_have_count(0)
    assert Occurrence.objects.get(pk=occurrence.pk).status == Occurrence.Status.SKIPPED
