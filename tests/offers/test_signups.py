"""Sign-ups: seats and the waiting list, cancelling and promotion, the group thread, assisted places, concurrency."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone

from chat.models import Message, Notification, Participant
from neighbours.models import Organisation
from offers.models import AssistedAction, Session, SignUp
from offers.selectors import assisted_action_list, signup_list_for_session
from offers.sessions import (
    assisted_message_send,
    session_cancel,
    signup_cancel,
    signup_create,
    signup_create_assisted,
    signup_mark_attended,
)
from requests.services import Conflict
from tests.factories import NeighbourFactory, OrganisationFactory, group_session, seniors_association


def session_of(offer, capacity=2, **kwargs):
    return group_session(offer=offer, capacity=capacity, **kwargs)


def in_thread(session, neighbour):
    return Participant.objects.filter(thread=session.thread, neighbour=neighbour).exists()


def sign_up(session, neighbour=None):
    signup, _created = signup_create(session=session, neighbour=neighbour or NeighbourFactory())
    return signup


# -- seats and the waiting list --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_signing_up_gives_a_seat_while_seats_remain_then_a_place_on_the_waiting_list(offer):
    """Seats 1..capacity, then waiting-list places 1..n, in the order people came."""
    session = session_of(offer, capacity=2)

    results = [sign_up(session) for _ in range(4)]

    assert [(s.status, s.position) for s in results] == [
        ("confirmed", 1), ("confirmed", 2), ("waitlisted", 1), ("waitlisted", 2),
    ]


@pytest.mark.django_db
def test_signing_up_twice_returns_the_same_place_and_takes_no_second_seat(offer):
    session = session_of(offer, capacity=2)
    person = NeighbourFactory()

    first, created_first = signup_create(session=session, neighbour=person)
    again, created_again = signup_create(session=session, neighbour=person)

    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert session.signups.filter(status="confirmed").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_place_for_the_same_person(offer):
    """The partial unique constraint backs the rule even for writes that bypass the service."""
    session = session_of(offer)
    person = NeighbourFactory()
    sign_up(session, person)

    with pytest.raises(IntegrityError), transaction.atomic():
        SignUp.objects.create(session=session, neighbour=person, status="waitlisted")


@pytest.mark.django_db
def test_after_cancelling_a_person_may_sign_up_again(offer):
    session = session_of(offer)
    person = NeighbourFactory()
    signup_cancel(signup=sign_up(session, person), by=person)

    again, created = signup_create(session=session, neighbour=person)

    assert created
    assert again.status == "confirmed"


@pytest.mark.django_db
def test_signing_up_for_a_cancelled_session_is_refused(offer, coordinator):
    session = session_of(offer)
    session_cancel(session=session, by=coordinator)

    with pytest.raises(Conflict):
        sign_up(session)


@pytest.mark.django_db
def test_signing_up_for_a_session_that_has_started_is_refused(offer):
    session = session_of(offer)
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5), ends_at=timezone.now() + timedelta(hours=1)
    )

    with pytest.raises(Conflict):
        sign_up(session)


# -- cancelling and promotion ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_cancelling_a_seat_promotes_the_first_on_the_waiting_list_and_tells_them(
    offer, django_capture_on_commit_callbacks
):
    """Given a full session with two waiting, when a seated person cancels, the first waiting gets the seat, a
    notification and an e-mail; the second moves up to number 1."""
    session = session_of(offer, capacity=1)
    seated, first, second = NeighbourFactory(), NeighbourFactory(), NeighbourFactory()
    seat = sign_up(session, seated)
    sign_up(session, first)
    sign_up(session, second)

    with django_capture_on_commit_callbacks(execute=True):
        signup_cancel(signup=seat, by=seated)

    by_person = {s.neighbour_id: s for s in signup_list_for_session(session=session)}
    assert (by_person[first.pk].status, by_person[first.pk].position) == ("confirmed", 1)
    assert (by_person[second.pk].status, by_person[second.pk].position) == ("waitlisted", 1)
    assert Notification.objects.filter(recipient=first, kind="session_promoted").exists()
    assert [message.to for message in mail.outbox] == [[first.email]]


@pytest.mark.django_db
def test_cancelling_a_waiting_place_promotes_nobody(offer):
    session = session_of(offer, capacity=1)
    sign_up(session)
    waiting_person = NeighbourFactory()
    waiting = sign_up(session, waiting_person)
    last = sign_up(session)

    signup_cancel(signup=waiting, by=waiting_person)

    last.refresh_from_db()
    assert last.status == "waitlisted"
    assert not Notification.objects.filter(kind="session_promoted").exists()


@pytest.mark.django_db
def test_a_stranger_cannot_cancel_someone_elses_place(offer):
    session = session_of(offer)
    signup = sign_up(session)

    with pytest.raises(PermissionDenied):
        signup_cancel(signup=signup, by=NeighbourFactory())


@pytest.mark.django_db
def test_an_organiser_may_cancel_someones_place(offer, coordinator):
    session = session_of(offer)
    signup = sign_up(session)

    signup = signup_cancel(signup=signup, by=coordinator)

    assert signup.status == "cancelled"
    assert signup.cancelled_at is not None


@pytest.mark.django_db
def test_attendance_is_marked_by_organisers_only(offer, coordinator):
    session = session_of(offer)
    signup = sign_up(session)

    signup_mark_attended(signup=signup, by=coordinator, attended=True)
    with pytest.raises(PermissionDenied):
        signup_mark_attended(signup=signup, by=signup.neighbour, attended=False)

    signup.refresh_from_db()
    assert signup.attended is True


@pytest.mark.django_db
def test_attendance_is_only_for_people_with_a_seat(offer, coordinator):
    session = session_of(offer, capacity=1)
    sign_up(session)
    waiting = sign_up(session)

    with pytest.raises(Conflict):
        signup_mark_attended(signup=waiting, by=coordinator, attended=True)


# -- the group thread ------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_people_with_a_seat_join_the_group_thread_and_waiting_people_do_not(offer):
    session = session_of(offer, capacity=1)
    seated, waiting = NeighbourFactory(), NeighbourFactory()
    sign_up(session, seated)
    sign_up(session, waiting)

    assert in_thread(session, seated)
    assert not in_thread(session, waiting)


@pytest.mark.django_db
def test_leaving_takes_a_person_out_of_the_thread_and_the_promoted_one_in(offer):
    session = session_of(offer, capacity=1)
    seated, waiting = NeighbourFactory(), NeighbourFactory()
    seat = sign_up(session, seated)
    sign_up(session, waiting)

    signup_cancel(signup=seat, by=seated)

    assert not in_thread(session, seated)
    assert in_thread(session, waiting)


@pytest.mark.django_db
def test_an_organiser_who_signs_up_and_cancels_stays_in_the_thread(offer, coordinator):
    session = session_of(offer)
    signup = sign_up(session, coordinator)

    signup_cancel(signup=signup, by=coordinator)

    assert in_thread(session, coordinator)


# -- assisted places -------------------------------------------------------------------------------------------------

@pytest.fixture
def helper_org(db):
    """Another seniors' association, whose coordinator signs up its members without a device."""
    helper = NeighbourFactory(display_name="Helga Helper")
    return seniors_association(coordinators=[helper], name="Nørvøy Seniorlag"), helper


@pytest.mark.django_db
def test_a_coordinator_signs_up_a_member_by_name_and_phone_and_it_is_logged(offer, helper_org):
    organisation, helper = helper_org
    session = session_of(offer)

    signup, created = signup_create_assisted(
        session=session, by=helper, organisation=organisation, name="Kari Nordmann", phone="+47 912 34 567"
    )

    assert created
    assert (signup.neighbour, signup.name, signup.signed_up_by, signup.organisation) == (
        None, "Kari Nordmann", helper, organisation
    )
    assert signup.status == "confirmed"
    action = AssistedAction.objects.get()
    assert (action.organisation, action.actor, action.action) == (organisation, helper, "signed_up")


@pytest.mark.django_db
def test_the_same_person_signed_up_twice_by_their_organisation_keeps_one_place(offer, helper_org):
    organisation, helper = helper_org
    session = session_of(offer)
    first, _ = signup_create_assisted(session=session, by=helper, organisation=organisation, name="Kari Nordmann",
                                      phone="91234567")

    again, created = signup_create_assisted(session=session, by=helper, organisation=organisation,
                                            name="kari nordmann", phone="91234567")

    assert not created
    assert again.pk == first.pk


@pytest.mark.django_db
def test_only_coordinators_of_assisting_organisations_sign_up_others(offer, helper_org):
    """A plain member may not, and a club's coordinator may not: only seniors' associations, volunteer centres and
    libraries assist people."""
    organisation, _helper = helper_org
    member = NeighbourFactory()
    organisation.memberships.create(neighbour=member, role="member")
    club_coordinator = NeighbourFactory()
    club = OrganisationFactory(kind=Organisation.Kind.CLUB)
    club.memberships.create(neighbour=club_coordinator, role="coordinator")
    session = session_of(offer)

    for by, org in ((member, organisation), (club_coordinator, club)):
        with pytest.raises(PermissionDenied):
            signup_create_assisted(session=session, by=by, organisation=org, name="Kari", phone="91234567")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "phone", "field"), [("", "91234567", "name"), ("Kari", "call me", "phone")])
def test_an_assisted_place_needs_a_name_and_a_phone_number(offer, helper_org, name, phone, field):
    organisation, helper = helper_org

    with pytest.raises(ValidationError) as error:
        signup_create_assisted(session=session_of(offer), by=helper, organisation=organisation, name=name,
                               phone=phone)

    assert field in error.value.message_dict


@pytest.mark.django_db
def test_the_coordinator_cancels_for_the_person_and_the_act_is_logged(offer, helper_org):
    organisation, helper = helper_org
    session = session_of(offer)
    signup, _ = signup_create_assisted(session=session, by=helper, organisation=organisation, name="Kari",
                                       phone="91234567")

    signup_cancel(signup=signup, by=helper)

    assert list(AssistedAction.objects.values_list("action", flat=True)) == ["cancelled", "signed_up"]
    assert not in_thread(session, helper)


@pytest.mark.django_db
def test_a_promoted_assisted_person_is_reported_to_their_coordinator_with_the_phone_number(
    offer, helper_org, django_capture_on_commit_callbacks
):
    organisation, helper = helper_org
    session = session_of(offer, capacity=1)
    seated = NeighbourFactory()
    seat = sign_up(session, seated)
    signup_create_assisted(session=session, by=helper, organisation=organisation, name="Kari Nordmann",
                           phone="91234567")

    with django_capture_on_commit_callbacks(execute=True):
        signup_cancel(signup=seat, by=seated)

    notification = Notification.objects.get(kind="session_promoted")
    assert notification.recipient == helper
    assert notification.payload["guest"] == {"name": "Kari Nordmann", "phone": "91234567"}
    assert "91234567" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_coordinator_writes_in_the_thread_on_behalf_of_the_person(offer, helper_org):
    organisation, helper = helper_org
    session = session_of(offer)
    signup, _ = signup_create_assisted(session=session, by=helper, organisation=organisation, name="Kari Nordmann",
                                       phone="91234567")

    message = assisted_message_send(signup=signup, by=helper, body="Kari will bring her own phone.")

    stored = Message.objects.get(pk=message.pk)
    assert stored.thread_id == session.thread_id
    assert stored.data == {"on_behalf_of": {"signup": signup.pk, "name": "Kari Nordmann"}}
    assert AssistedAction.objects.filter(action="message", signup=signup).exists()


@pytest.mark.django_db
def test_the_log_is_for_the_organisations_admins_and_coordinators_only(offer, helper_org):
    organisation, helper = helper_org
    signup_create_assisted(session=session_of(offer), by=helper, organisation=organisation, name="Kari",
                           phone="91234567")

    assert len(assisted_action_list(organisation=organisation, viewer=helper)) == 1
    with pytest.raises(Http404):
        assisted_action_list(organisation=organisation, viewer=NeighbourFactory())


# -- concurrency -----------------------------------------------------------------------------------------------------

def run_at_once(count, work):
    """Runs ``work(i)`` in ``count`` threads, each on its own database connection, released together by a barrier.
    Returns the results (or exceptions) in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_thirty_parallel_sign_ups_for_ten_seats_never_over_book():
    """30 people sign up at the same moment for 10 seats: exactly 10 seats 1..10, 20 waiting 1..20, no duplicates."""
    session = group_session(capacity=10)
    people = [NeighbourFactory() for _ in range(30)]

    results = run_at_once(30, lambda i: signup_create(session=session, neighbour=people[i])[0])

    assert not [r for r in results if isinstance(r, Exception)]
    rows = list(signup_list_for_session(session=session))
    confirmed = [s.position for s in rows if s.status == "confirmed"]
    waiting = [s.position for s in rows if s.status == "waitlisted"]
    assert sorted(confirmed) == list(range(1, 11))
    assert sorted(waiting) == list(range(1, 21))
    assert len({s.neighbour_id for s in rows}) == 30


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_person_signing_up_many_times_at_once_gets_one_place():
    session = group_session(capacity=10)
    person = NeighbourFactory()

    results = run_at_once(8, lambda i: signup_create(session=session, neighbour=person)[0].pk)

    assert len(set(results)) == 1
    assert SignUp.objects.filter(session=session).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_cancellations_never_over_book():
    """Five seated people cancel at once while ten wait: exactly five are promoted, the seats stay at five."""
    session = group_session(capacity=5)
    seated = [NeighbourFactory() for _ in range(5)]
    seats = [signup_create(session=session, neighbour=person)[0] for person in seated]
    for _ in range(10):
        signup_create(session=session, neighbour=NeighbourFactory())

    results = run_at_once(5, lambda i: signup_cancel(signup=seats[i], by=seated[i]))

    assert not [r for r in results if isinstance(r, Exception)]
    rows = list(signup_list_for_session(session=session))
    assert sorted(s.position for s in rows if s.status == "confirmed") == [1, 2, 3, 4, 5]
    assert sorted(s.position for s in rows if s.status == "waitlisted") == [1, 2, 3, 4, 5]
    assert Notification.objects.filter(kind="session_promoted").count() == 5


@pytest.mark.django_db
def test_an_account_with_an_unconfirmed_address_cannot_take_a_seat(offer, settings):
    """Where confirmed addresses are required, a throwaway account cannot fill the seats of a course."""
    settings.DUGNAD_REQUIRE_EMAIL_VERIFICATION = True
    session = session_of(offer)
    newcomer = NeighbourFactory(email_verified_at=None)

    with pytest.raises(PermissionDenied):
        signup_create(session=session, neighbour=newcomer)

    assert not session.signups.exists()


@pytest.mark.django_db
def test_a_block_between_two_participants_does_not_silence_either_in_the_group_thread(offer):
    """A session's thread is a group: two members who blocked each other can both still write in it (issue 6 hides
    their messages from each other), unlike a two-party conversation where a block stops the conversation."""
    from chat.services import message_send
    from neighbours.services import block_create

    session = session_of(offer, capacity=5)
    ann, bob = NeighbourFactory(), NeighbourFactory()
    sign_up(session, ann)
    sign_up(session, bob)
    block_create(blocker=ann, blocked=bob)

    from_ann, _ = message_send(thread_id=session.thread_id, author=ann, body="See you on Tuesday")
    from_bob, _ = message_send(thread_id=session.thread_id, author=bob, body="I will bring my laptop")

    assert session.thread.is_group
    assert [from_ann.seq, from_bob.seq] == [1, 2]
