"""Chat services: numbering, idempotent sends, permissions, blocks, read positions, unread e-mails."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from chat import selectors, services
from chat.models import Message, Participant, Thread
from neighbours.models import Block, NotifyFrequency
from tests.factories import NeighbourFactory, chat_thread, help_offer, help_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(ann, bob):
    return chat_thread(ann, bob)


def send(thread, author, body="Hello", client_id=None):
    message, _created = services.message_send(thread_id=thread.pk, author=author, body=body, client_id=client_id)
    return message


def test_messages_are_numbered_one_two_three_per_thread(ann, bob, thread):
    other = chat_thread(ann, bob, title="Another")

    seqs = [send(thread, ann).seq, send(thread, bob).seq, send(other, ann).seq, send(thread, ann).seq]

    assert seqs == [1, 2, 1, 3]
    thread.refresh_from_db()
    assert thread.last_seq == 3
    assert thread.last_message_at is not None


def test_resending_a_client_id_returns_the_stored_message_and_stores_nothing(ann, thread):
    client_id = uuid.uuid4()
    first, created_first = services.message_send(thread_id=thread.pk, author=ann, body="Hi", client_id=client_id)

    again, created_again = services.message_send(
        thread_id=thread.pk, author=ann, body="Hi", client_id=client_id
    )

    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert again.seq == 1
    assert Message.objects.filter(thread=thread).count() == 1
    thread.refresh_from_db()
    assert thread.last_seq == 1, "the failed attempt used no sequence number"


def test_the_same_client_id_from_another_author_is_another_message(ann, bob, thread):
    client_id = uuid.uuid4()

    send(thread, ann, client_id=client_id)
    send(thread, bob, client_id=client_id)

    assert Message.objects.filter(thread=thread).count() == 2


def test_a_stranger_cannot_post_and_learns_nothing_about_the_thread(thread):
    stranger = NeighbourFactory()

    with pytest.raises(Thread.DoesNotExist):
        send(thread, stranger)

    thread.refresh_from_db()
    assert thread.last_seq == 0
    assert not Message.objects.exists()


def test_a_missing_thread_is_the_same_answer_as_a_foreign_one(ann):
    with pytest.raises(Thread.DoesNotExist):
        services.message_send(thread_id=987654, author=ann, body="Hello")


@pytest.mark.parametrize("who_blocks", ["ann", "bob"])
def test_a_block_either_way_stops_posting_in_a_shared_thread(ann, bob, thread, who_blocks):
    blocker, blocked = (ann, bob) if who_blocks == "ann" else (bob, ann)
    Block.objects.create(blocker=blocker, blocked=blocked)

    with pytest.raises(PermissionDenied):
        send(thread, ann)

    assert not Message.objects.exists()


def test_a_block_with_someone_outside_the_thread_does_not_matter(ann, thread):
    Block.objects.create(blocker=ann, blocked=NeighbourFactory())

    assert send(thread, ann).seq == 1


@pytest.mark.parametrize(("body", "code"), [("x" * 4001, "too_large"), ("", "blank"), ("  \n ", "blank")])
def test_a_body_that_is_blank_or_too_long_is_refused_and_uses_no_number(ann, thread, body, code):
    with pytest.raises(ValidationError) as raised:
        send(thread, ann, body=body)

    assert raised.value.error_dict["body"][0].code == code
    assert send(thread, ann, body="x" * 4000).seq == 1


def test_a_system_message_has_no_author_and_takes_the_next_number(ann, thread):
    send(thread, ann)

    message, _created = services.message_send(
        thread_id=thread.pk, author=None, body="The date moved.", kind=Message.Kind.SYSTEM
    )

    assert (message.seq, message.author, message.kind) == (2, None, "system")


def test_the_broadcast_waits_for_the_commit(ann, thread, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        send(thread, ann)
        with pytest.raises(Thread.DoesNotExist):
            send(thread, NeighbourFactory())

    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_senders_get_gap_free_numbers():
    """Given two people sending 20 messages each at the same time, then the thread holds 1..40 with no gap."""
    ann, bob = NeighbourFactory(), NeighbourFactory()
    thread = chat_thread(ann, bob)
    errors = []

    def sender(author):
        try:
            for n in range(20):
                send(thread, author, body=f"{author.pk}-{n}")
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=sender, args=(who,)) for who in (ann, bob)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert list(Message.objects.filter(thread=thread).order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 41)
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_client_id_sent_twice_at_once_is_stored_once():
    ann, bob = NeighbourFactory(), NeighbourFactory()
    thread = chat_thread(ann, bob)
    client_id = uuid.uuid4()
    barrier = threading.Barrier(4)
    results = []

    def sender():
        try:
            barrier.wait()
            results.append(send(thread, ann, client_id=client_id).seq)
        finally:
            connection.close()

    workers = [threading.Thread(target=sender) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert results == [1, 1, 1, 1]
    assert Message.objects.filter(thread=thread).count() == 1


def test_read_positions_only_move_forward_and_not_past_the_newest_message(ann, bob, thread):
    for _ in range(3):
        send(thread, bob)

    assert services.thread_mark_read(thread_id=thread.pk, neighbour=ann, seq=2) == 2
    assert services.thread_mark_read(thread_id=thread.pk, neighbour=ann, seq=1) == 2
    assert services.thread_mark_read(thread_id=thread.pk, neighbour=ann, seq=99) == 3


def test_a_stranger_cannot_mark_a_thread_read(thread):
    with pytest.raises(Thread.DoesNotExist):
        services.thread_mark_read(thread_id=thread.pk, neighbour=NeighbourFactory(), seq=1)


def test_the_thread_list_shows_unread_messages_from_others_and_the_newest_message(ann, bob, thread):
    quiet = chat_thread(ann, bob, title="Quiet")
    send(thread, bob, "One")
    send(thread, bob, "Two")
    send(thread, ann, "Mine")
    services.thread_mark_read(thread_id=thread.pk, neighbour=ann, seq=1)

    listed = list(selectors.thread_list_for(neighbour=ann))

    assert [t.pk for t in listed] == [thread.pk, quiet.pk]
    assert listed[0].unread == 1
    assert (listed[0].last_body, listed[0].last_author_name) == ("Mine", "Ann")
    assert listed[1].unread == 0
    assert listed[1].last_body is None
    assert selectors.unread_total(neighbour=ann) == 1
    assert selectors.unread_total(neighbour=bob) == 1


def test_nobody_else_sees_a_thread_in_their_list(thread):
    assert list(selectors.thread_list_for(neighbour=NeighbourFactory())) == []


def _age_messages(thread, minutes):
    Message.objects.filter(thread=thread).update(sent_at=Message.objects.first().sent_at - timedelta(minutes=minutes))


def test_unread_messages_are_e_mailed_once_after_the_delay(ann, bob, thread):
    send(thread, bob, "Are you free on Friday?")

    too_early = services.unread_emails_send(base_url="https://dugnad.example", older_than=timedelta(minutes=30))
    _age_messages(thread, 31)
    first = services.unread_emails_send(base_url="https://dugnad.example", older_than=timedelta(minutes=30))
    again = services.unread_emails_send(base_url="https://dugnad.example", older_than=timedelta(minutes=30))

    assert (too_early, first, again) == (0, 1, 0)
    assert mail.outbox[0].to == [ann.email]
    assert f"https://dugnad.example/messages/{thread.pk}/" in mail.outbox[0].body
    assert Participant.objects.get(thread=thread, neighbour=ann).emailed_seq == 1


def test_read_messages_and_those_who_chose_never_get_no_e_mail(ann, bob, thread):
    send(thread, bob)
    send(thread, ann)
    _age_messages(thread, 60)
    services.thread_mark_read(thread_id=thread.pk, neighbour=ann, seq=1)
    bob.notify_frequency = NotifyFrequency.NEVER
    bob.save()

    assert services.unread_emails_send(base_url="https://x", older_than=timedelta(minutes=30)) == 0
    assert mail.outbox == []


def test_accepting_a_response_opens_a_thread_that_starts_with_the_helpers_message(ann, bob):
    from requests import services as request_services

    need = help_request(author=ann, title="Mow my lawn")
    response = request_services.response_create(help_request=need, responder=bob, message="I have a mower.")

    agreement = request_services.response_accept(response=response, by=ann)

    thread = agreement.thread
    assert thread.title == "Mow my lawn"
    first = thread.messages.get()
    assert (first.seq, first.author, first.body) == (1, bob, "I have a mower.")


def test_asking_for_an_offer_opens_a_thread_that_starts_with_the_question(ann, bob):
    from offers import services as offer_services

    offer = help_offer(author=bob, title="Lift to the doctor")
    ask = offer_services.offer_ask_create(offer=offer, asker=ann, message="Tuesday at 10?")

    assert ask.thread.title == "Lift to the doctor"
    assert list(ask.thread.messages.values_list("author", "body")) == [(ann.pk, "Tuesday at 10?")]


def test_a_blocked_neighbour_cannot_answer_a_request_or_ask_for_an_offer(ann, bob):
    from offers import services as offer_services
    from requests import services as request_services

    Block.objects.create(blocker=ann, blocked=bob)

    with pytest.raises(PermissionDenied), transaction.atomic():
        request_services.response_create(help_request=help_request(author=ann), responder=bob, message="Hi")
    with pytest.raises(PermissionDenied), transaction.atomic():
        offer_services.offer_ask_create(offer=help_offer(author=ann), asker=bob, message="Hi")


def test_a_response_made_before_a_block_cannot_be_accepted_after_it(ann, bob):
    from requests import services as request_services

    response = request_services.response_create(help_request=help_request(author=ann), responder=bob, message="Hi")
    Block.objects.create(blocker=bob, blocked=ann)

    with pytest.raises(PermissionDenied):
        request_services.response_accept(response=response, by=ann)
    assert not Thread.objects.exists()


def test_an_organisations_coordinators_take_part_in_its_threads_and_plain_members_do_not(ann, bob):
    from neighbours.models import Membership
    from tests.factories import MembershipFactory, OrganisationFactory

    club = OrganisationFactory()
    coordinator = MembershipFactory(organisation=club, role=Membership.Role.COORDINATOR).neighbour
    member = MembershipFactory(organisation=club, role=Membership.Role.MEMBER).neighbour
    thread = services.thread_open(subject=club, participants=[ann, bob], organisations=[club])

    assert send(thread, coordinator).seq == 1
    with pytest.raises(Thread.DoesNotExist):
        send(thread, member)


def test_a_coordinator_appointed_later_joins_the_thread_on_first_use(ann, bob):
    from neighbours.models import Membership
    from tests.factories import MembershipFactory, OrganisationFactory

    club = OrganisationFactory()
    thread = services.thread_open(subject=club, participants=[ann, bob], organisations=[club])
    later = MembershipFactory(organisation=club, role=Membership.Role.COORDINATOR).neighbour

    message = send(thread, later, "I coordinate now.")
    position = services.thread_mark_read(thread_id=thread.pk, neighbour=later, seq=1)

    assert message.seq == 1
    assert position == 1
    assert [t.pk for t in selectors.thread_list_for(neighbour=later)] == [thread.pk]


def test_an_agreement_with_an_organisation_brings_its_coordinators_into_the_thread(ann, bob):
    from neighbours.models import Membership
    from requests import services as request_services
    from tests.factories import MembershipFactory, OrganisationFactory

    contractor = OrganisationFactory()
    MembershipFactory(organisation=contractor, neighbour=bob, role=Membership.Role.COORDINATOR)
    colleague = MembershipFactory(organisation=contractor, role=Membership.Role.ADMIN).neighbour
    response = request_services.response_create(
        help_request=help_request(author=ann), responder=bob, message="We can mow.", organisation=contractor
    )

    agreement = request_services.response_accept(response=response, by=ann)

    assert set(agreement.thread.participants.all()) == {ann, bob, colleague}


def test_read_positions_are_given_for_small_threads_only(ann, bob, thread):
    send(thread, bob)
    services.thread_mark_read(thread_id=thread.pk, neighbour=ann, seq=1)
    crowd = chat_thread(*NeighbourFactory.create_batch(4), title="Session group")

    assert selectors.thread_read_positions(thread=thread, up_to=3) == {str(ann.pk): 1, str(bob.pk): 0}
    assert selectors.thread_read_positions(thread=crowd, up_to=3) == {}
