"""Proposals to move, skip or add a date of an agreement: who may propose and decide, bad input, concurrency."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from chat.models import Message, Notification
from neighbours.models import Membership
from requests.agreements import format_when, proposal_accept, proposal_create, proposal_decline, proposal_withdraw
from requests.models import Occurrence, Proposal
from requests.services import Conflict
from tests.factories import MembershipFactory, NeighbourFactory, OrganisationFactory, agreement

pytestmark = pytest.mark.django_db


def first(deal):
    return deal.occurrences.order_by("starts_at").first()


def move(deal, by, *, days=-1, occurrence=None, **extra):
    occurrence = occurrence or first(deal)
    return proposal_create(agreement=deal, proposed_by=by, action="move", occurrence=occurrence,
                           starts_at=occurrence.starts_at + timedelta(days=days), **extra)


def test_a_move_proposal_changes_nothing_until_accepted(club_deal, bob):
    """Proposing keeps the date where it was; the proposal waits."""
    occurrence = first(club_deal)
    before = (occurrence.starts_at, occurrence.sequence)

    proposal = move(club_deal, bob, note="match on Saturday")

    occurrence.refresh_from_db()
    assert (occurrence.starts_at, occurrence.sequence) == before
    assert proposal.status == Proposal.Status.PENDING
    assert proposal.side == Proposal.Side.HELPER


def test_a_proposal_is_posted_in_the_thread_as_a_structured_message(club_deal, bob):
    """A ``proposal`` message by the proposer, with the proposal's id, action, dates and note in ``data``."""
    occurrence = first(club_deal)

    proposal = move(club_deal, bob, note="match on Saturday")

    message = Message.objects.get(thread=club_deal.thread, kind=Message.Kind.PROPOSAL)
    assert proposal.message == message
    assert message.author == bob
    assert message.data["proposal"] == proposal.pk
    assert message.data["action"] == "move"
    assert message.data["occurrence"] == occurrence.pk
    assert message.data["old_starts_at"] == occurrence.starts_at.isoformat()
    assert message.data["note"] == "match on Saturday"
    assert message.body.startswith("Proposal: Move ")
    assert message.body.endswith("– match on Saturday")


def test_the_proposal_text_is_written_in_the_proposers_language(club_deal, bob):
    """Dates are named in the proposer's language (Norwegian day and month names for a Norwegian proposer)."""
    bob.language = "nb"
    bob.save(update_fields=["language"])
    occurrence = first(club_deal)

    move(club_deal, bob)

    body = Message.objects.get(thread=club_deal.thread, kind=Message.Kind.PROPOSAL).body
    with translation.override("nb"):
        assert format_when(occurrence.starts_at) in body
    with translation.override("en"):
        assert format_when(occurrence.starts_at) not in body


def test_the_other_side_is_told_about_a_proposal(club_deal, ann, bob):
    proposal = move(club_deal, bob)

    note = Notification.objects.get(kind="proposal_made")
    assert note.recipient == ann
    assert note.payload["proposal"] == proposal.pk
    assert note.payload["agreement"] == club_deal.pk


def test_ends_at_keeps_the_length_of_the_date_when_not_given(club_deal, bob):
    occurrence = first(club_deal)

    proposal = move(club_deal, bob)

    assert proposal.ends_at - proposal.starts_at == occurrence.ends_at - occurrence.starts_at


def test_accepting_a_move_sets_the_new_time_and_bumps_the_sequence(club_deal, ann, bob):
    occurrence = first(club_deal)
    proposal = move(club_deal, bob)
    Occurrence.objects.filter(pk=occurrence.pk).update(reminder_sent_at=timezone.now())

    proposal_accept(proposal=proposal, by=ann)

    occurrence.refresh_from_db()
    proposal.refresh_from_db()
    assert occurrence.starts_at == proposal.starts_at
    assert occurrence.ends_at == proposal.ends_at
    assert occurrence.sequence == 1
    assert occurrence.reminder_sent_at is None
    assert (proposal.status, proposal.decided_by) == (Proposal.Status.ACCEPTED, ann)


def test_accepting_posts_a_system_message_and_notifies_the_proposer(club_deal, ann, bob):
    proposal = move(club_deal, bob)

    proposal_accept(proposal=proposal, by=ann)

    system = Message.objects.get(thread=club_deal.thread, kind=Message.Kind.SYSTEM)
    assert system.author is None
    assert system.data == {"proposal": proposal.pk, "status": "accepted", "occurrence": proposal.occurrence_id}
    note = Notification.objects.get(recipient=bob, kind="proposal_decided")
    assert note.payload["status"] == "accepted"
    assert note.payload["agreement"] == club_deal.pk


def test_accepting_a_skip_marks_the_date_skipped(club_deal, ann, bob):
    occurrence = first(club_deal)
    proposal = proposal_create(agreement=club_deal, proposed_by=ann, action="skip", occurrence=occurrence)

    proposal_accept(proposal=proposal, by=bob)

    occurrence.refresh_from_db()
    assert occurrence.status == Occurrence.Status.SKIPPED
    assert occurrence.sequence == 1


def test_accepting_an_add_creates_a_date_without_a_rule_date(club_deal, ann, bob):
    when = timezone.now() + timedelta(days=3, hours=1)
    count = club_deal.occurrences.count()
    proposal = proposal_create(agreement=club_deal, proposed_by=ann, action="add", starts_at=when)

    proposal_accept(proposal=proposal, by=bob)

    assert club_deal.occurrences.count() == count + 1
    added = club_deal.occurrences.get(starts_at=when)
    assert added.rule_starts_at is None
    assert added.ends_at - added.starts_at == timedelta(hours=2)


def test_declining_changes_nothing(club_deal, ann, bob):
    occurrence = first(club_deal)
    proposal = move(club_deal, bob)

    proposal_decline(proposal=proposal, by=ann)

    refreshed = Occurrence.objects.get(pk=occurrence.pk)
    assert (refreshed.starts_at, refreshed.sequence) == (occurrence.starts_at, 0)
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.DECLINED


def test_a_coordinator_of_the_club_decides_for_the_requester_side(club_deal, bob):
    """Organisation roles make a party: another coordinator of the club may accept the contractor's proposal."""
    colleague = NeighbourFactory()
    MembershipFactory(organisation=club_deal.request.organisation, neighbour=colleague,
                      role=Membership.Role.COORDINATOR)
    proposal = move(club_deal, bob)

    proposal_accept(proposal=proposal, by=colleague)

    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.ACCEPTED


def test_a_plain_member_of_the_club_is_not_a_party(club_deal):
    member = NeighbourFactory()
    MembershipFactory(organisation=club_deal.request.organisation, neighbour=member, role=Membership.Role.MEMBER)

    with pytest.raises(PermissionDenied):
        move(club_deal, member)


def test_accepting_my_own_proposal_is_refused(club_deal, bob):
    proposal = move(club_deal, bob)

    with pytest.raises(PermissionDenied):
        proposal_accept(proposal=proposal, by=bob)


def test_my_own_side_cannot_accept_my_proposal(club_deal, bob):
    """A colleague from the contractor is on the proposer's side: only the other side decides."""
    colleague = NeighbourFactory()
    MembershipFactory(organisation=club_deal.helper_organisation, neighbour=colleague,
                      role=Membership.Role.COORDINATOR)
    proposal = move(club_deal, bob)

    with pytest.raises(PermissionDenied):
        proposal_accept(proposal=proposal, by=colleague)


def test_deciding_twice_is_a_conflict(club_deal, ann, bob):
    proposal = move(club_deal, bob)
    proposal_accept(proposal=proposal, by=ann)

    with pytest.raises(Conflict):
        proposal_decline(proposal=proposal, by=ann)


def test_an_occurrence_of_another_agreement_is_refused_on_the_occurrence_field(club_deal, bob):
    other = agreement()

    with pytest.raises(ValidationError) as error:
        move(club_deal, bob, occurrence=first(other))

    assert "occurrence" in error.value.message_dict


def test_moving_into_the_past_is_refused(club_deal, bob):
    occurrence = first(club_deal)

    with pytest.raises(ValidationError) as error:
        proposal_create(agreement=club_deal, proposed_by=bob, action="move", occurrence=occurrence,
                        starts_at=timezone.now() - timedelta(hours=1))

    assert "starts_at" in error.value.message_dict


def test_adding_a_date_in_the_past_is_refused(club_deal, bob):
    with pytest.raises(ValidationError) as error:
        proposal_create(agreement=club_deal, proposed_by=bob, action="add",
                        starts_at=timezone.now() - timedelta(days=1))

    assert "starts_at" in error.value.message_dict


def test_a_move_needs_a_new_time(club_deal, bob):
    with pytest.raises(ValidationError) as error:
        proposal_create(agreement=club_deal, proposed_by=bob, action="move", occurrence=first(club_deal))

    assert "starts_at" in error.value.message_dict


def test_a_past_date_cannot_be_changed(club_deal, bob):
    occurrence = first(club_deal)
    Occurrence.objects.filter(pk=occurrence.pk).update(starts_at=timezone.now() - timedelta(days=1),
                                                       ends_at=timezone.now() - timedelta(hours=22))

    with pytest.raises(ValidationError) as error:
        proposal_create(agreement=club_deal, proposed_by=bob, action="skip", occurrence=occurrence)

    assert "occurrence" in error.value.message_dict


def test_a_skipped_date_cannot_be_changed_again(club_deal, bob):
    occurrence = first(club_deal)
    Occurrence.objects.filter(pk=occurrence.pk).update(status=Occurrence.Status.SKIPPED)

    with pytest.raises(ValidationError) as error:
        move(club_deal, bob, occurrence=occurrence)

    assert "occurrence" in error.value.message_dict


def test_a_proposal_about_a_date_changed_since_is_out_of_date(club_deal, ann, bob):
    """Two proposals about one date: once one is accepted, accepting the other is a conflict and marks it
    superseded (kept, although the call fails)."""
    skip = proposal_create(agreement=club_deal, proposed_by=bob, action="skip", occurrence=first(club_deal))
    moving = move(club_deal, bob)
    proposal_accept(proposal=skip, by=ann)

    with pytest.raises(Conflict):
        proposal_accept(proposal=moving, by=ann)

    assert Proposal.objects.get(pk=moving.pk).status == Proposal.Status.SUPERSEDED
    assert Occurrence.objects.get(pk=first(club_deal).pk).status == Occurrence.Status.SKIPPED


def test_the_proposer_can_withdraw_but_not_someone_else(club_deal, ann, bob):
    proposal = move(club_deal, bob)

    with pytest.raises(PermissionDenied):
        proposal_withdraw(proposal=proposal, by=ann)
    proposal_withdraw(proposal=proposal, by=bob)

    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.WITHDRAWN
    with pytest.raises(Conflict):
        proposal_accept(proposal=proposal, by=ann)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_accepts_give_one_success_and_one_conflict():
    """Two coordinators of the club press Accept at the same moment, each on its own database connection: exactly
    one succeeds, the other gets a conflict, and the date moves once."""
    club = OrganisationFactory()
    ann, colleague, bob = NeighbourFactory(), NeighbourFactory(), NeighbourFactory()
    for person in (ann, colleague):
        MembershipFactory(organisation=club, neighbour=person, role=Membership.Role.COORDINATOR)
    deal = agreement(requester=ann, helper=bob, organisation=club)
    proposal = move(deal, bob)
    barrier = threading.Barrier(2)
    results = []

    def accept(by):
        try:
            barrier.wait()
            proposal_accept(proposal=proposal, by=by)
            results.append("ok")
        except Conflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(by,)) for by in (ann, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["conflict", "ok"]
    occurrence = Occurrence.objects.get(pk=proposal.occurrence_id)
    assert occurrence.sequence == 1
    assert Message.objects.filter(thread=deal.thread, kind=Message.Kind.SYSTEM).count() == 1


def test_a_coordinator_appointed_after_the_agreement_can_propose_in_its_thread(club_deal):
    """Organisations act through whoever holds the role now: a coordinator who joined the firm after the agreement
    was made (and has never opened its conversation) proposes, and the proposal appears in the thread."""
    newcomer = NeighbourFactory(display_name="New Coordinator")
    MembershipFactory(organisation=club_deal.helper_organisation, neighbour=newcomer,
                      role=Membership.Role.COORDINATOR)

    proposal = move(club_deal, newcomer, note="rain on Friday")

    assert proposal.side == Proposal.Side.HELPER
    assert proposal.message.author == newcomer
    assert proposal.message.thread_id == club_deal.thread_id
