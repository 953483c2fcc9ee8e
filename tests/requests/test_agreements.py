"""Agreements after they are made: who their parties are, extending open-ended schedules, reminders."""

from datetime import timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from chat.models import Notification
from neighbours.models import Membership
from requests.agreements import agreement_schedules_extend, occurrence_reminders_send, proposal_accept, proposal_create
from requests.models import Occurrence, Proposal
from requests.selectors import agreement_get_for_party, agreement_list_for, agreement_sides_of
from tests.factories import MembershipFactory, NeighbourFactory, OrganisationFactory, agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def club():
    return OrganisationFactory(name="Hessa BK")


def test_the_requester_and_the_helper_are_parties(ann, bob):
    deal = agreement(requester=ann, helper=bob)

    assert agreement_sides_of(agreement=deal, viewer=ann) == {"requester"}
    assert agreement_sides_of(agreement=deal, viewer=bob) == {"helper"}
    assert list(agreement_list_for(viewer=ann)) == [deal]
    assert list(agreement_list_for(viewer=bob)) == [deal]


def test_a_coordinator_of_the_requesting_organisation_is_a_party_on_the_requester_side(ann, bob, club):
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.ADMIN)
    deal = agreement(requester=ann, helper=bob, organisation=club)
    coordinator = NeighbourFactory()
    MembershipFactory(organisation=club, neighbour=coordinator, role=Membership.Role.COORDINATOR)

    assert agreement_get_for_party(viewer=coordinator, pk=deal.pk) == deal
    assert agreement_sides_of(agreement=deal, viewer=coordinator) == {"requester"}


def test_an_admin_of_the_helping_organisation_is_a_party_on_the_helper_side(ann, bob):
    firm = OrganisationFactory()
    MembershipFactory(organisation=firm, neighbour=bob, role=Membership.Role.COORDINATOR)
    deal = agreement(requester=ann, helper=bob, helper_organisation=firm)
    admin = NeighbourFactory()
    MembershipFactory(organisation=firm, neighbour=admin, role=Membership.Role.ADMIN)

    assert list(agreement_list_for(viewer=admin)) == [deal]
    assert agreement_sides_of(agreement=deal, viewer=admin) == {"helper"}


def test_members_without_a_role_and_strangers_get_404(ann, bob, club):
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.ADMIN)
    deal = agreement(requester=ann, helper=bob, organisation=club)
    member = NeighbourFactory()
    MembershipFactory(organisation=club, neighbour=member, role=Membership.Role.MEMBER)

    for viewer in (member, NeighbourFactory()):
        with pytest.raises(Http404):
            agreement_get_for_party(viewer=viewer, pk=deal.pk)
        assert list(agreement_list_for(viewer=viewer)) == []


def test_accepting_a_response_records_each_dates_rule_date(ann, bob):
    deal = agreement(requester=ann, helper=bob)

    assert all(o.rule_starts_at == o.starts_at for o in deal.occurrences.all())


# --- extending schedules -------------------------------------------------------------------------------------------


def open_ended(ann, bob):
    """A weekly agreement without an end."""
    return agreement(requester=ann, helper=bob, recurrence="FREQ=WEEKLY")


def test_an_open_ended_schedule_gets_the_dates_that_came_within_the_horizon(ann, bob, settings):
    settings.DUGNAD_OCCURRENCE_HORIZON_DAYS = 28
    deal = open_ended(ann, bob)
    before = deal.occurrences.count()

    added = agreement_schedules_extend(now=timezone.now() + timedelta(days=14))

    assert added == 2
    assert deal.occurrences.count() == before + 2
    starts = list(deal.occurrences.values_list("starts_at", flat=True))
    assert all(later - earlier == timedelta(days=7) for earlier, later in pairwise(starts))


def test_extending_twice_adds_nothing_the_second_time(ann, bob, settings):
    settings.DUGNAD_OCCURRENCE_HORIZON_DAYS = 28
    deal = open_ended(ann, bob)
    later = timezone.now() + timedelta(days=30)
    agreement_schedules_extend(now=later)
    count = deal.occurrences.count()

    assert agreement_schedules_extend(now=later) == 0
    assert deal.occurrences.count() == count


def test_a_schedule_with_an_end_is_not_extended(ann, bob, settings):
    settings.DUGNAD_OCCURRENCE_HORIZON_DAYS = 28
    deal = agreement(requester=ann, helper=bob, recurrence="FREQ=WEEKLY;COUNT=3")

    assert agreement_schedules_extend(now=timezone.now() + timedelta(days=60)) == 0
    assert deal.occurrences.count() == 3


def test_a_moved_date_is_never_made_again(ann, bob, settings):
    """The last rule date is moved a day earlier; extending keeps it moved and does not re-create it."""
    settings.DUGNAD_OCCURRENCE_HORIZON_DAYS = 28
    deal = open_ended(ann, bob)
    last = deal.occurrences.order_by("-starts_at").first()
    proposal = proposal_create(agreement=deal, proposed_by=bob, action="move", occurrence=last,
                               starts_at=last.starts_at - timedelta(days=1))
    proposal_accept(proposal=proposal, by=ann)
    count = deal.occurrences.count()

    agreement_schedules_extend(now=timezone.now())

    assert deal.occurrences.count() == count
    assert not deal.occurrences.filter(starts_at=last.starts_at).exists()


def test_a_skipped_date_is_never_made_again(ann, bob, settings):
    settings.DUGNAD_OCCURRENCE_HORIZON_DAYS = 28
    deal = open_ended(ann, bob)
    Occurrence.objects.filter(agreement=deal).update(status=Occurrence.Status.SKIPPED)
    count = deal.occurrences.count()

    agreement_schedules_extend(now=timezone.now())

    assert deal.occurrences.count() == count
    assert not deal.occurrences.filter(status=Occurrence.Status.SCHEDULED).exists()


# --- reminders -----------------------------------------------------------------------------------------------------


def test_both_sides_are_reminded_of_a_date_within_the_lead_time(
    ann, bob, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.DUGNAD_REMINDER_LEAD_HOURS = 24
    deal = agreement(requester=ann, helper=bob, recurrence="FREQ=WEEKLY;COUNT=2")
    first = deal.occurrences.order_by("starts_at").first()

    with django_capture_on_commit_callbacks(execute=True):
        reminded = occurrence_reminders_send(now=first.starts_at - timedelta(hours=12), base_url="https://x.test")

    assert reminded == 1
    notes = Notification.objects.filter(kind="occurrence_reminder")
    assert {n.recipient for n in notes} == {ann, bob}
    assert notes[0].payload["starts_at"] == first.starts_at.isoformat()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ann.email, bob.email])
    assert f"https://x.test/agreements/{deal.pk}/" in mailoutbox[0].body


def test_a_date_is_reminded_once(ann, bob, settings):
    settings.DUGNAD_REMINDER_LEAD_HOURS = 24
    deal = agreement(requester=ann, helper=bob, recurrence="FREQ=WEEKLY;COUNT=2")
    now = deal.occurrences.order_by("starts_at").first().starts_at - timedelta(hours=12)
    occurrence_reminders_send(now=now)

    assert occurrence_reminders_send(now=now) == 0
    assert Notification.objects.filter(kind="occurrence_reminder").count() == 2


def test_dates_beyond_the_lead_time_and_skipped_dates_are_not_reminded(ann, bob, settings):
    settings.DUGNAD_REMINDER_LEAD_HOURS = 24
    deal = agreement(requester=ann, helper=bob, recurrence="FREQ=WEEKLY;COUNT=2")
    first = deal.occurrences.order_by("starts_at").first()
    Occurrence.objects.filter(pk=first.pk).update(status=Occurrence.Status.SKIPPED)

    assert occurrence_reminders_send(now=first.starts_at - timedelta(hours=12)) == 0
    assert occurrence_reminders_send(now=first.starts_at - timedelta(days=3)) == 0


# --- the demo ------------------------------------------------------------------------------------------------------


def test_the_demo_has_a_club_agreement_with_a_pending_proposal_once():
    """load_demo gives the club's mowing agreement a schedule and one pending proposal; a second run adds none."""
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)

    proposal = Proposal.objects.get()
    assert proposal.status == Proposal.Status.PENDING
    assert proposal.agreement.request.organisation.kind == "club"
    assert proposal.agreement.occurrences.count() > 1


def test_reminder_emails_show_titles_as_written(settings, mailoutbox, django_capture_on_commit_callbacks):
    """E-mails are plain text: a title with & and quotes is not HTML-escaped."""
    settings.DUGNAD_REMINDER_LEAD_HOURS = 24
    deal = agreement(recurrence="FREQ=WEEKLY;COUNT=2", title='Mow & brush "the pitch"')
    first = deal.occurrences.order_by("starts_at").first()

    with django_capture_on_commit_callbacks(execute=True):
        occurrence_reminders_send(now=first.starts_at - timedelta(hours=1))

    assert 'Mow & brush "the pitch"' in mailoutbox[0].subject
    assert 'Mow & brush "the pitch"' in mailoutbox[0].body


def test_a_weekly_date_keeps_its_local_time_across_daylight_saving_time(ann, bob, settings):
    """Mowing every Friday at 10:00 in Oslo stays at 10:00 after the clocks go back in October."""
    oslo = ZoneInfo("Europe/Oslo")
    year = timezone.now().year + 1
    start = timezone.datetime(year, 10, 16, 10, 0, tzinfo=oslo)
    settings.DUGNAD_OCCURRENCE_HORIZON_DAYS = 800
    settings.DUGNAD_REQUEST_TTL_DAYS = 800

    deal = agreement(requester=ann, helper=bob, recurrence="FREQ=WEEKLY;COUNT=4", start=start)

    local_times = {o.starts_at.astimezone(oslo).strftime("%H:%M") for o in deal.occurrences.all()}
    assert local_times == {"10:00"}
