"""Sessions of an offer: who may create them, the rules for times and seats, editing, cancelling, the group thread."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from chat.models import Notification, Participant
from neighbours.models import Follow
from offers.models import HelpOffer, Session, SignUp
from offers.selectors import session_list_upcoming_for_organisation
from offers.services import help_offer_update
from offers.sessions import session_cancel, session_create, session_update, signup_create
from requests.services import Conflict
from tests.factories import NeighbourFactory, group_session

pytestmark = pytest.mark.django_db


def in_hours(hours):
    return timezone.now() + timedelta(hours=hours)


def create(offer, by, *, starts=48, hours=2, capacity=12, place="Library"):
    starts_at = in_hours(starts)
    return session_create(offer=offer, by=by, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                          capacity=capacity, place=place)


def test_the_offer_author_creates_a_session_with_a_group_thread_for_the_organisers(offer, coordinator):
    """Given an offer of an association, when its author adds a session, the session gets a thread with the
    organisers in it."""
    session = create(offer, coordinator)

    assert session.status == Session.Status.SCHEDULED
    assert session.thread_id is not None
    assert Participant.objects.filter(thread=session.thread, neighbour=coordinator).exists()


def test_another_coordinator_of_the_offers_organisation_may_create_sessions(offer, association):
    """A coordinator of the offer's organisation who did not write the offer may still add sessions."""
    colleague = NeighbourFactory()
    association.memberships.create(neighbour=colleague, role="coordinator")

    session = create(offer, colleague)

    assert session.created_by == colleague


def test_a_stranger_or_plain_member_cannot_create_sessions(offer, association):
    """Only the offer's author and its organisation's admins and coordinators may add sessions."""
    member = NeighbourFactory()
    association.memberships.create(neighbour=member, role="member")

    for outsider in (NeighbourFactory(), member):
        with pytest.raises(PermissionDenied):
            create(offer, outsider)


@pytest.mark.parametrize(("starts", "hours", "field"), [(-1, 2, "starts_at"), (24, -1, "ends_at"), (24, 0, "ends_at")])
def test_sessions_in_the_past_or_ending_before_they_start_are_refused(offer, coordinator, starts, hours, field):
    """A session must start in the future and end after it starts; the error names the field."""
    with pytest.raises(ValidationError) as error:
        create(offer, coordinator, starts=starts, hours=hours)

    assert field in error.value.message_dict


@pytest.mark.parametrize("capacity", [0, -3])
def test_a_session_needs_at_least_one_seat(offer, coordinator, capacity):
    with pytest.raises(ValidationError) as error:
        create(offer, coordinator, capacity=capacity)

    assert "capacity" in error.value.message_dict


def test_a_paused_offer_gets_no_new_sessions(offer, coordinator):
    help_offer_update(offer=offer, editor=coordinator, status=HelpOffer.Status.PAUSED)

    with pytest.raises(Conflict):
        create(offer, coordinator)


def test_the_database_refuses_sessions_without_seats_or_ending_before_they_start(offer, coordinator):
    """The check constraints hold even for writes that bypass the service."""
    start = in_hours(5)
    for fields in ({"capacity": 0, "ends_at": start + timedelta(hours=1)}, {"capacity": 5, "ends_at": start}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Session.objects.create(offer=offer, starts_at=start, created_by=coordinator, **fields)


def test_followers_of_the_organisation_hear_about_a_new_session(offer, coordinator, association):
    follower = NeighbourFactory()
    Follow.objects.create(neighbour=follower, organisation=association)

    session = create(offer, coordinator)

    notification = Notification.objects.get(recipient=follower, kind="session_new")
    assert notification.payload["session"] == session.pk
    assert not Notification.objects.filter(recipient=coordinator, kind="session_new").exists()


def test_lowering_the_seats_below_the_confirmed_count_is_refused(offer, coordinator):
    """Capacity cannot go below the number of people who already have a seat: 409 with the count, nothing changes."""
    session = create(offer, coordinator, capacity=3)
    for _ in range(3):
        signup_create(session=session, neighbour=NeighbourFactory())

    with pytest.raises(Conflict) as error:
        session_update(session=session, by=coordinator, capacity=2)

    assert "3" in str(error.value.detail)
    session.refresh_from_db()
    assert session.capacity == 3


def test_lowering_the_seats_to_the_confirmed_count_is_allowed(offer, coordinator):
    session = create(offer, coordinator, capacity=5)
    signup_create(session=session, neighbour=NeighbourFactory())

    session = session_update(session=session, by=coordinator, capacity=1)

    assert session.capacity == 1


def test_raising_the_seats_gives_them_to_the_first_on_the_waiting_list(offer, coordinator):
    """Given a full session with two waiting, when one seat is added, the first in the queue gets it and is told."""
    session = create(offer, coordinator, capacity=1)
    signup_create(session=session, neighbour=NeighbourFactory())
    first, _created = signup_create(session=session, neighbour=NeighbourFactory())
    second, _created = signup_create(session=session, neighbour=NeighbourFactory())

    session_update(session=session, by=coordinator, capacity=2)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == SignUp.Status.CONFIRMED
    assert second.status == SignUp.Status.WAITLISTED
    assert Notification.objects.filter(recipient=first.neighbour, kind="session_promoted").exists()


def test_editing_times_checks_them_like_creating(offer, coordinator):
    session = create(offer, coordinator)

    with pytest.raises(ValidationError):
        session_update(session=session, by=coordinator, ends_at=session.starts_at - timedelta(minutes=1))
    with pytest.raises(ValidationError):
        session_update(session=session, by=coordinator, starts_at=in_hours(-2))


def test_only_organisers_edit_a_session(offer, coordinator):
    session = create(offer, coordinator)

    with pytest.raises(PermissionDenied):
        session_update(session=session, by=NeighbourFactory(), place="Elsewhere")


def test_cancelling_a_session_tells_everyone_signed_up(offer, coordinator, django_capture_on_commit_callbacks):
    """Everyone with a seat or on the waiting list gets a notification and an e-mail when the session is cancelled."""
    session = create(offer, coordinator, capacity=1)
    seated, waiting = NeighbourFactory(), NeighbourFactory()
    signup_create(session=session, neighbour=seated)
    signup_create(session=session, neighbour=waiting)

    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session=session, by=coordinator)

    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    for person in (seated, waiting):
        assert Notification.objects.filter(recipient=person, kind="session_cancelled").exists()
    assert sorted(message.to[0] for message in mail.outbox) == sorted([seated.email, waiting.email])


def test_only_organisers_cancel_a_session(offer, coordinator):
    session = create(offer, coordinator)

    with pytest.raises(PermissionDenied):
        session_cancel(session=session, by=NeighbourFactory())


def test_upcoming_sessions_of_an_organisation_leave_out_past_and_cancelled_ones(offer, coordinator, association):
    soon = create(offer, coordinator, starts=5)
    later = create(offer, coordinator, starts=50)
    cancelled = create(offer, coordinator, starts=10)
    session_cancel(session=cancelled, by=coordinator)

    sessions = list(session_list_upcoming_for_organisation(association))

    assert [s.pk for s in sessions] == [soon.pk, later.pk]
    assert sessions[0].confirmed_count == 0


def test_a_session_without_organisation_belongs_to_its_author():
    """An individual's offer: its author organises its sessions alone."""
    session = group_session(capacity=2)

    assert Participant.objects.filter(thread=session.thread, neighbour=session.offer.author).count() == 1


def test_the_demo_has_a_nearly_full_digital_post_session_and_loading_it_again_adds_none():
    """load_demo gives the seniors' association's course two Tuesday 14:00 sessions of 12 seats, the first with 10
    taken (four residents, six members signed up by their coordinator); a second run changes nothing."""
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)

    sessions = list(Session.objects.order_by("starts_at"))
    assert len(sessions) == 2
    assert all(timezone.localtime(s.starts_at).weekday() == 1 and timezone.localtime(s.starts_at).hour == 14
               for s in sessions)
    assert sessions[0].seats_left == 2
    assert sessions[0].signups.filter(neighbour__isnull=True).count() == 6


def test_moving_a_session_tells_those_signed_up_and_reminds_them_again(offer, coordinator):
    """A new start time: everyone signed up gets `session_changed`, and the reminder for the old time is forgotten."""
    session = create(offer, coordinator, starts=5)
    person = NeighbourFactory()
    signup_create(session=session, neighbour=person)
    SignUp.objects.update(reminder_sent_at=timezone.now())

    session_update(session=session, by=coordinator, starts_at=in_hours(30), ends_at=in_hours(32))

    assert Notification.objects.filter(recipient=person, kind="session_changed").exists()
    assert SignUp.objects.get().reminder_sent_at is None


def test_changing_only_the_seats_tells_nobody(offer, coordinator):
    session = create(offer, coordinator)
    signup_create(session=session, neighbour=NeighbourFactory())

    session_update(session=session, by=coordinator, capacity=20)

    assert not Notification.objects.filter(kind="session_changed").exists()
