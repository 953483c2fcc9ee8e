"""The iCalendar writer and the calendar endpoints: stable UIDs, sequences, access, private subscription links."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from neighbours.models import Membership
from requests.agreements import calendar_feed_revoke, calendar_feed_rotate, proposal_accept, proposal_create
from requests.calendar import MAX_LINE_OCTETS, agreement_calendar, escape_text, fold
from requests.models import Occurrence
from tests.factories import MembershipFactory, NeighbourFactory, OrganisationFactory, agreement

# --- the writer ----------------------------------------------------------------------------------------------------


def test_text_values_escape_backslash_semicolon_comma_and_newlines():
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_a_short_line_is_not_folded():
    assert fold("SUMMARY:Mow") == "SUMMARY:Mow"


def test_long_lines_fold_at_75_octets_with_a_leading_space():
    line = "DESCRIPTION:" + "x" * 200

    folded = fold(line)

    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= MAX_LINE_OCTETS for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part[1:] if i else part for i, part in enumerate(parts)) == line


def test_folding_never_splits_a_multibyte_character():
    line = "SUMMARY:" + "Bjørn på Hessa – " * 10

    parts = fold(line).split("\r\n")

    assert all(len(part.encode("utf-8")) <= MAX_LINE_OCTETS for part in parts)
    assert "".join(part[1:] if i else part for i, part in enumerate(parts)) == line  # each part decodes alone


def test_a_calendar_has_crlf_lines_and_one_event_per_date_in_utc():
    start = datetime(2026, 6, 12, 16, 0, tzinfo=UTC)
    dates = [
        Occurrence(pk=7, starts_at=start, ends_at=start + timedelta(hours=2), status="scheduled", sequence=2,
                   updated_at=start),
        Occurrence(pk=8, starts_at=start + timedelta(days=7), status="skipped", sequence=1, updated_at=start),
    ]

    text = agreement_calendar(agreement=None, occurrences=dates, url="https://x.test/agreements/1/",
                              name="Mow, the pitch", description="Line one\nLine two", now=start)

    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in ("PRODID:-//Dugnad//Agreements//EN", "VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                 "X-WR-CALNAME:Mow\\, the pitch", "UID:occurrence-7@dugnad", "SEQUENCE:2",
                 "DTSTART:20260612T160000Z", "DTEND:20260612T180000Z", "STATUS:CONFIRMED",
                 "UID:occurrence-8@dugnad", "STATUS:CANCELLED", "DESCRIPTION:Line one\\nLine two",
                 "URL:https://x.test/agreements/1/", "DTSTAMP:20260612T160000Z", "LAST-MODIFIED:20260612T160000Z"):
        assert f"\r\n{line}\r\n" in text
    assert text.count("BEGIN:VEVENT") == 2


# --- the endpoints -------------------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def ics_url(deal):
    return reverse("api:agreement-calendar", args=[deal.pk])


def events(text):
    """{uid: {property: value}} of a calendar (unfolded)."""
    text = text.replace("\r\n ", "")
    found = {}
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", text, re.S):
        props = dict(line.split(":", 1) for line in block.strip().split("\r\n"))
        found[props["UID"]] = props
    return found


@pytest.mark.django_db
def test_an_accepted_move_shows_in_the_calendar_under_the_same_uid_with_a_higher_sequence(api_client, ann, bob):
    """Given a weekly agreement, when Bob's move is accepted by Ann, then the .ics shows the new date under the
    event's old UID with SEQUENCE raised."""
    deal = agreement(requester=ann, helper=bob)
    occurrence = deal.occurrences.order_by("starts_at").first()
    api_client.force_authenticate(ann)
    uid = f"occurrence-{occurrence.pk}@dugnad"
    before = events(api_client.get(ics_url(deal)).content.decode())[uid]
    new_start = occurrence.starts_at - timedelta(days=1)

    proposal_accept(proposal=proposal_create(agreement=deal, proposed_by=bob, action="move",
                                             occurrence=occurrence, starts_at=new_start), by=ann)

    after = events(api_client.get(ics_url(deal)).content.decode())[uid]
    assert after["DTSTART"] == new_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert after["DTSTART"] != before["DTSTART"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert len(events(api_client.get(ics_url(deal)).content.decode())) == deal.occurrences.count()


def test_an_accepted_skip_is_cancelled_in_the_calendar(api_client, ann, bob):
    deal = agreement(requester=ann, helper=bob)
    occurrence = deal.occurrences.order_by("starts_at").first()
    proposal_accept(proposal=proposal_create(agreement=deal, proposed_by=ann, action="skip",
                                             occurrence=occurrence), by=bob)
    api_client.force_authenticate(bob)

    event = events(api_client.get(ics_url(deal)).content.decode())[f"occurrence-{occurrence.pk}@dugnad"]

    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == "1"


def test_a_party_gets_the_calendar_as_text_calendar(api_client, ann, bob):
    deal = agreement(requester=ann, helper=bob)
    api_client.force_authenticate(bob)

    response = api_client.get(ics_url(deal), HTTP_ACCEPT="text/calendar")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f"/agreements/{deal.pk}/" in response.content.decode()


def test_a_coordinator_of_the_club_gets_the_calendar(api_client, ann, bob):
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.ADMIN)
    deal = agreement(requester=ann, helper=bob, organisation=club)
    coordinator = NeighbourFactory()
    MembershipFactory(organisation=club, neighbour=coordinator, role=Membership.Role.COORDINATOR)
    api_client.force_authenticate(coordinator)

    assert api_client.get(ics_url(deal)).status_code == 200


def test_a_stranger_gets_404_for_the_calendar(api_client, ann, bob):
    deal = agreement(requester=ann, helper=bob)
    api_client.force_authenticate(NeighbourFactory())

    assert api_client.get(ics_url(deal)).status_code == 404
    assert api_client.get(ics_url(deal), HTTP_ACCEPT="text/calendar").status_code == 404


def test_anonymous_visitors_get_401_for_the_calendar(api_client, ann, bob):
    deal = agreement(requester=ann, helper=bob)

    assert api_client.get(ics_url(deal)).status_code == 401


def test_the_calendar_works_with_a_token(api_client, ann, bob):
    from rest_framework.authtoken.models import Token

    deal = agreement(requester=ann, helper=bob)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ann).key}")

    assert api_client.get(ics_url(deal)).status_code == 200


# --- private subscription links ------------------------------------------------------------------------------------


def feed_url(feed):
    return reverse("frontend:calendar_feed", args=[feed.token])


def test_a_subscription_link_works_without_logging_in(client, ann, bob):
    deal = agreement(requester=ann, helper=bob)
    feed = calendar_feed_rotate(agreement=deal, neighbour=ann)

    response = client.get(feed_url(feed))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert len(events(response.content.decode())) == deal.occurrences.count()


def test_a_new_link_makes_the_old_one_stop_working(client, ann, bob):
    deal = agreement(requester=ann, helper=bob)
    old = feed_url(calendar_feed_rotate(agreement=deal, neighbour=ann))

    new = feed_url(calendar_feed_rotate(agreement=deal, neighbour=ann))

    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_a_stopped_link_gives_404(client, ann, bob):
    deal = agreement(requester=ann, helper=bob)
    url = feed_url(calendar_feed_rotate(agreement=deal, neighbour=ann))

    calendar_feed_revoke(agreement=deal, neighbour=ann)

    assert client.get(url).status_code == 404


def test_an_unknown_token_gives_404(client):
    assert client.get(reverse("frontend:calendar_feed", args=["nothing-here"])).status_code == 404


def test_a_link_stops_working_when_its_owner_is_no_longer_a_party(client, ann, bob):
    """A coordinator who left the club loses the calendar with the role."""
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.ADMIN)
    deal = agreement(requester=ann, helper=bob, organisation=club)
    coordinator = NeighbourFactory()
    membership = MembershipFactory(organisation=club, neighbour=coordinator, role=Membership.Role.COORDINATOR)
    url = feed_url(calendar_feed_rotate(agreement=deal, neighbour=coordinator))

    membership.delete()

    assert client.get(url).status_code == 404
