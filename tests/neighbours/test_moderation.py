"""Community moderation: the queue, the four decisions, what hidden content looks like, and the verified badge."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from chat import events
from chat import selectors as chat_selectors
from chat.models import Notification
from neighbours import moderation
from neighbours.models import Membership, ModerationDecision, Report
from neighbours.selectors import check_may_post, organisation_get
from offers.feed import feed_for
from offers.selectors import help_offer_get_visible
from requests.selectors import help_request_get_visible, help_request_list_visible
from tests.factories import (
    MembershipFactory,
    NeighbourFactory,
    OrganisationFactory,
    chat_message,
    chat_thread,
    help_offer,
    help_request,
    moderator,
)

pytestmark = pytest.mark.django_db


def report(reporter, target_type, target_id, reason="spam", note=""):
    return moderation.report_create(reporter=reporter, target_type=target_type, target_id=target_id,
                                    reason=reason, note=note)[0]


def test_the_queue_groups_open_reports_by_what_they_are_about(mia, ann, bob):
    """Given two reports on Bob's request, when Mia opens the queue, then it shows one item with both reasons."""
    post = help_request(author=bob, title="Cheap watches")
    carl = NeighbourFactory()
    report(ann, "request", post.pk, "spam")
    report(carl, "request", post.pk, "false_information")

    items = moderation.moderation_queue(moderator=mia)

    assert len(items) == 1
    assert items[0].target.title == "Cheap watches"
    assert len(items[0].reports) == 2


def test_the_queue_shows_only_the_reported_message_not_the_rest_of_the_thread(mia, ann, bob):
    """Given a thread of two messages of which one is reported, when Mia opens the queue, then she sees that one
    message's text and author only."""
    thread = chat_thread(ann, bob)
    chat_message(thread=thread, author=ann, body="My private address is Storgata 1")
    rude = chat_message(thread=thread, author=bob, body="Rude words")
    report(ann, "message", rude.pk, "abuse")

    [item] = moderation.moderation_queue(moderator=mia)

    assert (item.target.text, item.target.author) == ("Rude words", bob)
    assert "Storgata" not in repr(item.target.text) + item.target.title


def test_only_moderators_have_a_queue(ann):
    """Given an ordinary neighbour, when they ask for the queue, then PermissionDenied."""
    with pytest.raises(PermissionDenied):
        moderation.moderation_queue(moderator=ann)


def test_reports_about_a_moderators_own_content_are_not_in_their_queue(mia, ann):
    """Given a report on Mia's own offer, when Mia opens the queue, then it is not there."""
    report(ann, "offer", help_offer(author=mia).pk)

    assert moderation.moderation_queue(moderator=mia) == []


def test_a_moderator_cannot_decide_about_their_own_content(mia, ann):
    """Given a report on Mia's request, when Mia tries to dismiss it, then PermissionDenied."""
    post = help_request(author=mia)
    report(ann, "request", post.pk)

    with pytest.raises(PermissionDenied):
        moderation.moderation_decide(moderator=mia, target_type="request", target_id=post.pk, action="dismiss")


def test_dismissing_settles_every_open_report_and_tells_the_reporters(mia, ann, bob):
    """Given two reports on Bob's request, when Mia dismisses, then both are dismissed with the decision and both
    reporters get a report_decided notification without the moderator's name."""
    post = help_request(author=bob)
    carl = NeighbourFactory()
    report(ann, "request", post.pk)
    report(carl, "request", post.pk)

    decision = moderation.moderation_decide(moderator=mia, target_type="request", target_id=post.pk,
                                            action="dismiss")

    assert set(Report.objects.values_list("status", "decision")) == {(Report.Status.DISMISSED, decision.pk)}
    notes = Notification.objects.filter(kind="report_decided")
    assert {n.recipient for n in notes} == {ann, carl}
    assert all(n.payload["action"] == "dismiss" and "Mia" not in str(n.payload) for n in notes)


def test_deciding_with_nothing_open_is_refused(mia, bob):
    """Given a request nobody reported, when Mia tries to hide it, then ValidationError."""
    post = help_request(author=bob)

    with pytest.raises(ValidationError):
        moderation.moderation_decide(moderator=mia, target_type="request", target_id=post.pk, action="hide")


def test_a_hidden_request_is_gone_for_others_and_404_on_its_page(mia, ann, bob):
    """Given Bob's reported request, when Mia hides it, then Ann no longer sees it in lists or by id."""
    post = help_request(author=bob)
    report(ann, "request", post.pk)

    moderation.moderation_decide(moderator=mia, target_type="request", target_id=post.pk, action="hide")

    assert post.pk not in help_request_list_visible(viewer=ann).values_list("pk", flat=True)
    with pytest.raises(Http404):
        help_request_get_visible(viewer=ann, pk=post.pk)


def test_the_author_still_sees_their_hidden_request(mia, ann, bob):
    """Given Bob's request hidden by Mia, when Bob opens it, then it is there, marked hidden."""
    post = help_request(author=bob)
    report(ann, "request", post.pk)
    moderation.moderation_decide(moderator=mia, target_type="request", target_id=post.pk, action="hide")

    assert help_request_get_visible(viewer=bob, pk=post.pk).hidden_at is not None


def test_a_hidden_offer_leaves_the_feed(mia, ann, bob):
    """Given Bob's offer near Ann, when Mia hides it, then it is neither in Ann's feed nor visible by id."""
    from neighbours.services import neighbour_update_profile
    from tests.factories import point

    neighbour_update_profile(neighbour=ann, home=point(62.4722, 6.1495))
    ann.refresh_from_db()
    offer = help_offer(author=bob)
    assert offer.pk in [item.post.pk for item in feed_for(neighbour=ann) if item.kind == "offer"]
    report(ann, "offer", offer.pk)

    moderation.moderation_decide(moderator=mia, target_type="offer", target_id=offer.pk, action="hide")

    assert offer.pk not in [item.post.pk for item in feed_for(neighbour=ann) if item.kind == "offer"]
    with pytest.raises(Http404):
        help_offer_get_visible(viewer=ann, pk=offer.pk)


def test_a_hidden_organisation_is_seen_only_by_its_members(mia, ann, bob):
    """Given a reported organisation of which Bob is a member, when Mia hides it, then Ann gets 404, Bob sees it."""
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=bob, role=Membership.Role.ADMIN)
    report(ann, "organisation", club.pk)

    moderation.moderation_decide(moderator=mia, target_type="organisation", target_id=club.pk, action="hide")

    with pytest.raises(Http404):
        organisation_get(viewer=ann, pk=club.pk)
    assert organisation_get(viewer=bob, pk=club.pk).hidden_at is not None


def test_a_hidden_message_loses_its_body_in_the_payload_and_the_thread_list(mia, ann, bob):
    """Given Bob's reported message, when Mia hides it, then its payload and the thread list say it is hidden and
    carry no text."""
    thread = chat_thread(ann, bob)
    rude = chat_message(thread=thread, author=bob, body="Rude words")
    report(ann, "message", rude.pk, "abuse")

    moderation.moderation_decide(moderator=mia, target_type="message", target_id=rude.pk, action="hide")

    rude.refresh_from_db()
    payload = events.message_payload(rude)
    assert payload["hidden"] is True
    assert "Rude" not in str(payload)
    assert chat_selectors.thread_list_for(neighbour=ann).get(pk=thread.pk).last_body == "Hidden by a moderator"


def test_a_warning_reaches_the_author_with_the_moderators_note(mia, ann, bob):
    """Given Bob's reported message, when Mia warns, then Bob gets moderation_warning with her note."""
    rude = chat_message(thread=chat_thread(ann, bob), author=bob, body="Rude words")
    report(ann, "message", rude.pk, "abuse")

    moderation.moderation_decide(moderator=mia, target_type="message", target_id=rude.pk, action="warn",
                                 note="Please be kind.")

    warning = Notification.objects.get(recipient=bob, kind="moderation_warning")
    assert warning.payload == {"note": "Please be kind."}


def test_a_suspended_author_may_not_post(mia, ann, bob):
    """Given Bob's reported request, when Mia suspends him for 7 days, then he may not post until then."""
    post = help_request(author=bob)
    report(ann, "request", post.pk)

    decision = moderation.moderation_decide(moderator=mia, target_type="request", target_id=post.pk,
                                            action="suspend", suspend_days=7)

    bob.refresh_from_db()
    assert decision.action == ModerationDecision.Action.SUSPEND
    assert timezone.now() + timedelta(days=6) < bob.suspended_until <= timezone.now() + timedelta(days=7)
    with pytest.raises(PermissionDenied):
        check_may_post(author=bob)


def test_a_profile_cannot_be_hidden(mia, ann, bob):
    """Given a report on Bob's profile, when Mia tries to hide it, then ValidationError (warn or suspend instead)."""
    report(ann, "profile", bob.pk)

    with pytest.raises(ValidationError):
        moderation.moderation_decide(moderator=mia, target_type="profile", target_id=bob.pk, action="hide")


def test_a_moderator_verifies_a_neighbour(mia, bob):
    """Given Bob, when Mia verifies him, then he carries the badge, granted by her."""
    moderation.neighbour_verify(neighbour=bob, by=mia)

    bob.refresh_from_db()
    assert bob.is_verified
    assert bob.verified_by == mia


def test_an_admin_of_the_neighbours_organisation_verifies_and_unverifies_them(ann, bob):
    """Given Ann admin of a club Bob belongs to, when she verifies and then unverifies him, then the badge comes
    and goes."""
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.ADMIN)
    MembershipFactory(organisation=club, neighbour=bob)

    assert moderation.neighbour_verify(neighbour=bob, by=ann).is_verified
    assert not moderation.neighbour_unverify(neighbour=bob, by=ann).is_verified


def test_a_stranger_cannot_verify_anyone(ann, bob):
    """Given Ann neither moderator nor admin of Bob's organisation, when she verifies Bob, then PermissionDenied."""
    with pytest.raises(PermissionDenied):
        moderation.neighbour_verify(neighbour=bob, by=ann)


def test_nobody_verifies_themselves(mia):
    """Given Mia, a moderator, when she verifies herself, then PermissionDenied."""
    with pytest.raises(PermissionDenied):
        moderation.neighbour_verify(neighbour=mia, by=mia)


def test_a_suspended_author_may_not_write_messages(mia, ann, bob):
    """Given Bob suspended after a report on his message, when he writes in the thread again, then
    PermissionDenied."""
    from chat.services import message_send

    thread = chat_thread(ann, bob)
    rude = chat_message(thread=thread, author=bob, body="Rude words")
    report(ann, "message", rude.pk, "abuse")
    moderation.moderation_decide(moderator=mia, target_type="message", target_id=rude.pk, action="suspend")
    bob.refresh_from_db()

    with pytest.raises(PermissionDenied):
        message_send(thread_id=thread.pk, author=bob, body="More rude words")


def test_sessions_of_a_hidden_offer_are_gone_for_others(mia, ann):
    """Given a session of a reported offer, when Mia hides the offer, then Ann no longer sees the session."""
    from offers.selectors import session_list_visible
    from tests.factories import group_session

    session = group_session()
    report(ann, "offer", session.offer_id)

    moderation.moderation_decide(moderator=mia, target_type="offer", target_id=session.offer_id, action="hide")

    assert not session_list_visible(viewer=ann).filter(pk=session.pk).exists()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_message_hidden_while_the_thread_is_open_is_replaced_live():
    """Given Ann subscribed to a thread showing Bob's message, when a moderator hides it, then Ann's connection
    receives the message again with the same seq, hidden and without its text."""
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from rest_framework.authtoken.models import Token

    from config.asgi import application

    @database_sync_to_async
    def given():
        ann, bob, mia = NeighbourFactory(), NeighbourFactory(), moderator()
        thread = chat_thread(ann, bob)
        rude = chat_message(thread=thread, author=bob, body="Rude words")
        report(ann, "message", rude.pk, "abuse")
        return thread, rude, mia, Token.objects.create(user=ann).key

    thread, rude, mia, key = await given()
    ws = WebsocketCommunicator(application, "/ws/", headers=[(b"authorization", f"Token {key}".encode())])
    assert (await ws.connect())[0]
    await ws.send_json_to({"type": "subscribe", "thread": thread.pk, "after": 0})
    while (await ws.receive_json_from(timeout=5))["type"] != "subscribed":
        pass

    await database_sync_to_async(moderation.moderation_decide)(
        moderator=mia, target_type="message", target_id=rude.pk, action="hide"
    )

    frame = await ws.receive_json_from(timeout=5)
    assert (frame["type"], frame["seq"], frame["hidden"]) == ("message", rude.seq, True)
    assert "Rude" not in frame["body"]
    await ws.disconnect()
