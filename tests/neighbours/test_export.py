"""A neighbour's copy of their own data: everything about them, nothing private about anyone else."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.services import message_send
from neighbours.data import neighbour_export, register, sections
from neighbours.models import Category, Membership
from neighbours.services import block_create, follow_create, invitation_accept, invitation_create
from offers.services import offer_ask_create
from offers.sessions import signup_create, signup_create_assisted
from requests.agreements import calendar_feed_rotate, proposal_create
from requests.services import response_create
from tests.factories import (
    NeighbourFactory,
    OrganisationFactory,
    agreement,
    group_session,
    help_offer,
    help_request,
    point,
    seniors_association,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_ann(ann, bob):
    """Ann has done a bit of everything, mostly with Bob (whose e-mail address must never show up in her export)."""
    ann.home = point(62.4801, 6.1601)
    ann.home_approx = point(62.4800, 6.1600)
    ann.bio = "Retired teacher"
    ann.save()
    ann.interests.add(Category.objects.get(slug="garden"))

    association = seniors_association(admins=[ann], name="Aspøy Seniorforening")
    invitation_create(organisation=association, by=ann, email="newcomer@example.org", base_url="http://testserver")
    club = OrganisationFactory(name="Rowing club")
    Membership.objects.create(organisation=club, neighbour=bob, role=Membership.Role.ADMIN)
    invitation_accept(
        invitation=invitation_create(organisation=club, by=bob, email=ann.email, base_url="http://testserver"),
        neighbour=ann,
    )
    follow_create(neighbour=ann, organisation=OrganisationFactory(name="Library"))
    block_create(blocker=ann, blocked=NeighbourFactory(display_name="Pest"))

    own_request = help_request(author=ann, title="Rake my leaves", location=ann.home, notify_nearby=False)
    response_create(help_request=own_request, responder=bob, message="I have a rake")
    response_create(help_request=help_request(author=bob, title="Walk my dog", notify_nearby=False), responder=ann,
                    message="Happy to")

    own_offer = help_offer(author=ann, title="I lend my ladder", location=ann.home)
    offer_ask_create(offer=own_offer, asker=bob, message="May I borrow it?")
    offer_ask_create(offer=help_offer(author=bob, title="I fix bikes"), asker=ann, message="My chain is loose")

    deal = agreement(requester=ann, helper=bob, title="Mow the lawn")
    proposal_create(agreement=deal, proposed_by=ann, action="skip", occurrence=deal.occurrences.first())
    calendar_feed_rotate(agreement=deal, neighbour=ann)
    message_send(thread_id=deal.thread_id, author=ann, body="See you on Friday")
    message_send(thread_id=deal.thread_id, author=bob, body="Great")

    course = help_offer(author=ann, organisation=association, category="digital", title="Phone course")
    group_session(offer=course, by=ann, place="Library")
    signup_create(session=group_session(offer=help_offer(author=bob, category="digital", title="Tablet help")),
                  neighbour=ann)
    signup_create_assisted(session=group_session(offer=course, by=ann, starts_in_hours=72), by=ann,
                           organisation=association, name="Olga Olsen", phone="+47 123 45 678")
    return ann


def test_the_export_has_every_category_of_data(busy_ann):
    """Given a neighbour who has done a bit of everything, when exported, then every category has their rows."""
    data = neighbour_export(neighbour=busy_ann)

    for key in ("memberships", "follows", "blocks", "invitations_sent", "invitations_accepted", "help_requests",
                "responses", "agreements", "calendar_feeds", "help_offers", "offer_asks", "sessions_organised",
                "session_signups", "assisted_signups_made", "threads", "messages", "notifications"):
        assert data[key], key
    assert data["profile"]["email"] == busy_ann.email
    assert data["profile"]["home"] == {"lat": pytest.approx(62.4801), "lon": pytest.approx(6.1601)}
    assert data["profile"]["interests"] == ["garden"]
    assert data["help_requests"][0]["responses_received"][0]["message"] == "I have a rake"
    assert data["help_offers"][0]["asks_received"][0]["message"] == "May I borrow it?"
    assert {row["role"] for row in data["memberships"]} == {"admin", "member"}


def test_the_export_holds_the_agreement_with_dates_and_proposals(busy_ann):
    """Given an agreement with a skip proposal by the neighbour, then the export lists its dates and the proposal."""
    deal = neighbour_export(neighbour=busy_ann)["agreements"][0]

    assert deal["my_side"] == "requester"
    assert len(deal["occurrences"]) == 6
    assert deal["proposals"][0]["action"] == "skip"
    assert deal["proposals"][0]["made_by_me"] is True


def test_the_export_holds_only_the_messages_the_neighbour_wrote(busy_ann):
    """Given a thread where both wrote, then only the neighbour's own messages are in it, with thread and seq."""
    messages = neighbour_export(neighbour=busy_ann)["messages"]

    bodies = [row["body"] for row in messages]
    assert "See you on Friday" in bodies
    assert "Great" not in bodies
    assert all(row["thread"] and row["seq"] for row in messages)


def test_the_export_includes_the_people_the_neighbour_signed_up_themselves(busy_ann):
    """Given an assisted sign-up the neighbour made, then the name and phone they entered are in the export."""
    assisted = neighbour_export(neighbour=busy_ann)["assisted_signups_made"]

    assert [(row["name"], row["phone"]) for row in assisted] == [("Olga Olsen", "+47 123 45 678")]


def test_the_export_holds_no_other_persons_email_address_nor_calendar_tokens(busy_ann, bob):
    """Given dealings with Bob and an invitation sent to a stranger's address, then neither address (nor the private
    calendar token) is anywhere in the export."""
    text = json.dumps(neighbour_export(neighbour=busy_ann))

    assert bob.email not in text
    assert "newcomer@example.org" not in text
    assert busy_ann.calendar_feeds.get().token not in text


def test_a_registered_section_adds_its_part_to_the_export(ann):
    """Given another area registers a section (as the reports area will), then the export includes its data."""
    before = {section.name: section for section in sections()}
    register("test-reports", export=lambda neighbour: {"reports": [{"by": neighbour.pk}]})
    try:
        data = neighbour_export(neighbour=ann)
    finally:
        from neighbours import data as module

        module._sections.pop("test-reports")
    assert data["reports"] == [{"by": ann.pk}]
    assert {section.name: section for section in sections()} == before


def test_the_api_sends_the_export_as_a_dated_file(api_client, busy_ann):
    """GET /api/v1/me/export/ answers 200 with the caller's data as an attachment named after today."""
    api_client.force_authenticate(busy_ann)

    response = api_client.get(reverse("api:me-export"))

    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="dugnad-export-{today}.json"'
    assert response.json()["profile"]["email"] == busy_ann.email


def test_the_api_export_needs_a_login(api_client):
    """Without credentials the export is 401."""
    assert api_client.get(reverse("api:me-export")).status_code == 401


def test_a_help_request_in_the_export_keeps_its_exact_place(ann):
    """The exact location of the neighbour's own request is theirs, so it is in the export."""
    help_request(author=ann, location=point(62.5, 6.2), notify_nearby=False,
                 needed_from=timezone.now() + timedelta(days=1))

    exported = neighbour_export(neighbour=ann)["help_requests"][0]

    assert exported["location"] == {"lat": pytest.approx(62.5), "lon": pytest.approx(6.2)}


def test_the_export_holds_the_reports_the_neighbour_made(ann, bob):
    """What someone reported (and why) is their data too; the report about them is not in the reporter's export."""
    from neighbours.moderation import report_create

    post = help_request(author=bob, title="Cheap watches")
    report_create(reporter=ann, target_type="request", target_id=post.pk, reason="spam", note="An advert")

    mine = neighbour_export(neighbour=ann)["reports_made"]
    theirs = neighbour_export(neighbour=bob)["reports_made"]

    assert [(row["target_type"], row["target_id"], row["reason"], row["note"]) for row in mine] == [
        ("request", post.pk, "spam", "An advert")
    ]
    assert theirs == []
