"""Blocks in group threads (a session's): both people keep writing, but each sees the other's messages hidden — over
HTTP, on the thread page and over the WebSocket. The blocker sees whom they hid; the blocked person learns nothing."""

import uuid

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse
from rest_framework.authtoken.models import Token

from chat import services
from neighbours.services import block_create
from tests.chat.communicator import connect, subscribe
from tests.factories import NeighbourFactory, OrganisationFactory, chat_thread


def group_thread(*participants):
    return services.thread_open(
        subject=OrganisationFactory(), participants=participants, title="Digital Post for beginners", is_group=True
    )


def say(thread, author, body):
    return services.message_send(thread_id=thread.pk, author=author, body=body)[0]


@pytest.fixture
def cora(db):
    return NeighbourFactory(display_name="Cora")


@pytest.fixture
def blocked_group(ann, bob, cora):
    """Ann blocked Bob; all three are in a group thread where Bob and Ann each wrote once."""
    thread = group_thread(ann, bob, cora)
    block_create(blocker=ann, blocked=bob)
    say(thread, bob, "Bob was here")
    say(thread, ann, "Ann was here")
    return thread


def messages_for(api_client, neighbour, thread):
    api_client.force_authenticate(neighbour)
    response = api_client.get(reverse("api:thread-messages", args=[thread.pk]))
    assert response.status_code == 200
    return {message["seq"]: message for message in response.json()["results"]}


@pytest.mark.django_db
def test_both_sides_of_a_block_keep_writing_in_a_group_thread(blocked_group):
    """Given Ann blocked Bob, when both write in a group thread, then both messages are stored (seq 1 and 2)."""
    assert list(blocked_group.messages.order_by("seq").values_list("seq", "body")) == [
        (1, "Bob was here"), (2, "Ann was here"),
    ]


@pytest.mark.django_db
def test_the_blocker_gets_the_blocked_persons_message_hidden_but_named(api_client, ann, bob, blocked_group):
    """Given Ann blocked Bob, when Ann reads the group thread over HTTP, then Bob's message has no body, is
    ``hidden`` with reason ``you_blocked`` and still names Bob."""
    bobs = messages_for(api_client, ann, blocked_group)[1]

    assert (bobs["hidden"], bobs["hidden_reason"], bobs["body"], bobs["data"]) == (True, "you_blocked", "", {})
    assert bobs["author"] == {"id": bob.pk, "display_name": "Bob"}


@pytest.mark.django_db
def test_the_blocked_person_gets_the_blockers_message_hidden_without_a_name(api_client, bob, blocked_group):
    """Given Ann blocked Bob, when Bob reads the group thread, then Ann's message is hidden with no author and no
    reason (nothing says that Ann blocked him), and his own message is shown."""
    messages = messages_for(api_client, bob, blocked_group)

    assert (messages[2]["hidden"], messages[2]["hidden_reason"], messages[2]["author"], messages[2]["body"]) == (
        True, None, None, "",
    )
    assert messages[1]["body"] == "Bob was here"
    assert "hidden" not in messages[1]


@pytest.mark.django_db
def test_others_in_the_group_see_both_messages(api_client, cora, blocked_group):
    """Given a block between Ann and Bob, when Cora reads the group thread, then she sees both messages in full."""
    messages = messages_for(api_client, cora, blocked_group)

    assert [messages[1]["body"], messages[2]["body"]] == ["Bob was here", "Ann was here"]
    assert not any(message.get("hidden") for message in messages.values())


@pytest.mark.django_db
def test_a_two_party_thread_keeps_what_was_said_before_the_block_readable(api_client, ann, bob):
    """Given Bob wrote to Ann in their own thread, when Ann blocks him, then the earlier message stays readable (a
    block there stops new messages instead)."""
    thread = chat_thread(ann, bob)
    say(thread, bob, "See you Friday")
    block_create(blocker=ann, blocked=bob)

    assert messages_for(api_client, ann, thread)[1]["body"] == "See you Friday"


@pytest.mark.django_db
def test_the_thread_page_renders_the_blocked_persons_message_hidden(client, ann, blocked_group):
    """Given Ann blocked Bob, when Ann opens the group thread page, then Bob's words are not in the page and the
    message says it is hidden because she blocked him."""
    client.force_login(ann)

    page = client.get(reverse("frontend:thread_detail", args=[blocked_group.pk])).content.decode()

    assert "Bob was here" not in page
    assert '<p class="chat-body">Hidden (you blocked this person).</p>' in page
    assert "Ann was here" in page


@pytest.mark.django_db
def test_the_blocked_persons_page_shows_the_blockers_message_neutrally(client, bob, blocked_group):
    """Given Ann blocked Bob, when Bob opens the group thread page, then Ann's words are not there, only the neutral
    "This message is hidden." (no mention of blocking)."""
    client.force_login(bob)

    page = client.get(reverse("frontend:thread_detail", args=[blocked_group.pk])).content.decode()

    assert "Ann was here" not in page
    assert '<p class="chat-body">This message is hidden.</p>' in page
    assert '<p class="chat-body">Hidden (you blocked' not in page


@pytest.mark.django_db
def test_the_thread_list_does_not_show_a_hidden_newest_message(client, ann, bob, cora):
    """Given Ann blocked Bob and Bob wrote last in a group thread, when Ann opens her conversations, then Bob's
    words are not previewed."""
    thread = group_thread(ann, bob, cora)
    block_create(blocker=ann, blocked=bob)
    say(thread, bob, "Newest words from Bob")
    client.force_login(ann)

    page = client.get(reverse("frontend:thread_list")).content.decode()

    assert "Digital Post for beginners" in page
    assert "Newest words from Bob" not in page


# --- over the WebSocket ----------------------------------------------------------------------------------------

ws_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@database_sync_to_async
def three_in_a_group_with_a_block():
    """Ann blocked Bob; Ann, Bob and Cora are in a group thread; returns the thread, the people and their keys."""
    ann, bob, cora = (NeighbourFactory(display_name=name) for name in ("Ann", "Bob", "Cora"))
    thread = group_thread(ann, bob, cora)
    block_create(blocker=ann, blocked=bob)
    keys = [Token.objects.create(user=neighbour).key for neighbour in (ann, bob, cora)]
    return thread, (ann, bob, cora), keys


async def send(ws, thread, body):
    await ws.send_json_to({"type": "send", "thread": thread.pk, "client_id": str(uuid.uuid4()), "body": body})
    ack = await ws.receive_json_from(timeout=5)
    assert ack["type"] == "ack"
    return ack


@pytest.mark.asyncio
@ws_db
async def test_a_live_message_from_the_blocked_person_reaches_the_blocker_without_its_body():
    """Given Ann blocked Bob and both are subscribed to a group thread, when Bob sends a message, then Ann's
    connection gets it hidden (empty body, no client_id) while Cora's gets the words."""
    thread, (_ann, bob, _cora), (ann_key, bob_key, cora_key) = await three_in_a_group_with_a_block()
    ann_ws, bob_ws, cora_ws = await connect(ann_key), await connect(bob_key), await connect(cora_key)
    await subscribe(ann_ws, thread)
    await subscribe(cora_ws, thread)

    await send(bob_ws, thread, "Secret from Bob")

    to_ann = await ann_ws.receive_json_from(timeout=5)
    assert (to_ann["type"], to_ann["seq"], to_ann["body"], to_ann["hidden"], to_ann["hidden_reason"]) == (
        "message", 1, "", True, "you_blocked",
    )
    assert to_ann["client_id"] is None
    assert to_ann["author"]["id"] == bob.pk
    assert (await cora_ws.receive_json_from(timeout=5))["body"] == "Secret from Bob"
    for ws in (ann_ws, bob_ws, cora_ws):
        await ws.disconnect()


@pytest.mark.asyncio
@ws_db
async def test_the_blocked_person_gets_the_blockers_live_message_hidden_and_unnamed():
    """Given Ann blocked Bob, when Ann sends in the group thread, then Bob's connection gets it with no body and no
    author."""
    thread, _people, (ann_key, bob_key, _cora_key) = await three_in_a_group_with_a_block()
    ann_ws, bob_ws = await connect(ann_key), await connect(bob_key)
    await subscribe(bob_ws, thread)

    await send(ann_ws, thread, "Secret from Ann")

    to_bob = await bob_ws.receive_json_from(timeout=5)
    assert (to_bob["body"], to_bob["author"], to_bob["hidden"], to_bob["hidden_reason"]) == ("", None, True, None)
    await ann_ws.disconnect()
    await bob_ws.disconnect()


@pytest.mark.asyncio
@ws_db
async def test_the_catch_up_on_subscribe_hides_the_blocked_persons_messages():
    """Given Bob wrote in the group thread while Ann was away, when Ann subscribes, then the backlog brings Bob's
    message hidden."""
    thread, (_ann, bob, _cora), (ann_key, _bob_key, _cora_key) = await three_in_a_group_with_a_block()
    await database_sync_to_async(say)(thread, bob, "Written while Ann was away")
    ann_ws = await connect(ann_key)

    backlog = await subscribe(ann_ws, thread)

    assert [(frame["seq"], frame["body"], frame["hidden"]) for frame in backlog] == [(1, "", True)]
    await ann_ws.disconnect()


@pytest.mark.asyncio
@ws_db
async def test_typing_hints_from_the_blocked_person_are_dropped():
    """Given Ann blocked Bob, when Bob types in the group thread, then Ann's connection gets no hint, Cora's does."""
    thread, _people, (ann_key, bob_key, cora_key) = await three_in_a_group_with_a_block()
    ann_ws, bob_ws, cora_ws = await connect(ann_key), await connect(bob_key), await connect(cora_key)
    await subscribe(ann_ws, thread)
    await subscribe(cora_ws, thread)

    await bob_ws.send_json_to({"type": "typing", "thread": thread.pk})

    assert (await cora_ws.receive_json_from(timeout=5))["type"] == "typing"
    assert await ann_ws.receive_nothing(timeout=0.5)
    for ws in (ann_ws, bob_ws, cora_ws):
        await ws.disconnect()


@pytest.mark.asyncio
@ws_db
async def test_no_message_notification_comes_from_the_blocked_person():
    """Given Ann blocked Bob and Ann is connected but not looking at the group thread, when Bob writes, then Ann
    gets no notification naming him, while Cora does."""
    thread, _people, (ann_key, bob_key, cora_key) = await three_in_a_group_with_a_block()
    ann_ws, bob_ws, cora_ws = await connect(ann_key), await connect(bob_key), await connect(cora_key)

    await send(bob_ws, thread, "Hello group")

    notification = await cora_ws.receive_json_from(timeout=5)
    assert (notification["type"], notification["kind"]) == ("notification", "message")
    assert await ann_ws.receive_nothing(timeout=0.5)
    for ws in (ann_ws, bob_ws, cora_ws):
        await ws.disconnect()
