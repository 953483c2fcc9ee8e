"""HTTP API of the chat: threads, messages (the same service as the WebSocket), read positions, notifications,
blocks."""

import uuid

import pytest
from django.urls import reverse

from chat import services
from chat.models import Message, Notification
from neighbours.models import Block
from tests.factories import NeighbourFactory, chat_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(ann, bob):
    return chat_thread(ann, bob, title="Mowing")


def messages_url(thread_id):
    return reverse("api:thread-messages", args=[thread_id])


def test_my_threads_list_shows_unread_counts_the_last_message_and_the_people(api_client, ann, bob, thread):
    chat_thread(bob, NeighbourFactory())  # not Ann's
    services.message_send(thread_id=thread.pk, author=bob, body="Friday?")
    api_client.force_authenticate(ann)

    response = api_client.get(reverse("api:thread-list"))

    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert item["id"] == thread.pk
    assert item["title"] == "Mowing"
    assert item["unread"] == 1
    assert item["last_seq"] == 1
    assert item["last_message"] == {"body": "Friday?", "kind": "text", "author_name": "Bob"}
    assert {p["display_name"] for p in item["participants"]} == {"Ann", "Bob"}
    assert item["subject"]["type"] == "organisation"


def test_thread_detail_is_404_for_a_stranger(api_client, thread):
    api_client.force_authenticate(NeighbourFactory())

    assert api_client.get(reverse("api:thread-detail", args=[thread.pk])).status_code == 404


def test_messages_after_a_seq_come_oldest_first_with_a_next_link(api_client, ann, bob, thread):
    for n in range(5):
        services.message_send(thread_id=thread.pk, author=bob, body=f"m{n + 1}")
    api_client.force_authenticate(ann)

    page = api_client.get(messages_url(thread.pk), {"after": 1, "limit": 2}).json()
    following = api_client.get(page["next"]).json()

    assert [m["seq"] for m in page["results"]] == [2, 3]
    assert [m["body"] for m in following["results"]] == ["m4", "m5"]
    assert following["next"] is None


def test_without_after_the_newest_messages_come(api_client, ann, bob, thread):
    for n in range(5):
        services.message_send(thread_id=thread.pk, author=bob, body=f"m{n + 1}")
    api_client.force_authenticate(ann)

    newest = api_client.get(messages_url(thread.pk), {"limit": 2}).json()
    older = api_client.get(messages_url(thread.pk), {"before": 4, "limit": 2}).json()

    assert [m["seq"] for m in newest["results"]] == [4, 5]
    assert [m["seq"] for m in older["results"]] == [2, 3]


@pytest.mark.parametrize("query", [{"after": -1}, {"after": "x"}, {"limit": 0}, {"limit": 501},
                                   {"after": 1, "before": 3}])
def test_bad_message_queries_are_400(api_client, ann, thread, query):
    api_client.force_authenticate(ann)

    assert api_client.get(messages_url(thread.pk), query).status_code == 400


def test_posting_a_message_returns_it_and_resending_its_client_id_returns_the_same(api_client, ann, thread):
    api_client.force_authenticate(ann)
    body = {"body": "I can come at 10.", "client_id": str(uuid.uuid4())}

    first = api_client.post(messages_url(thread.pk), body)
    again = api_client.post(messages_url(thread.pk), body)

    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["seq"] == again.json()["seq"] == 1
    assert first.json()["author"] == {"id": ann.pk, "display_name": "Ann"}
    assert Message.objects.count() == 1


def test_the_http_shape_of_a_message_is_the_websocket_frame(api_client, ann, thread):
    api_client.force_authenticate(ann)
    posted = api_client.post(messages_url(thread.pk), {"body": "Hi"}).json()

    listed = api_client.get(messages_url(thread.pk)).json()["results"][0]

    assert posted == listed
    assert set(posted) == {"type", "thread", "seq", "id", "author", "kind", "body", "data", "client_id", "sent_at"}


@pytest.mark.parametrize(
    ("body", "status"),
    [({"body": "x" * 4001}, 400), ({"body": ""}, 400), ({}, 400), ({"body": "ok", "client_id": "nope"}, 400)],
)
def test_bad_messages_get_field_errors_and_store_nothing(api_client, ann, thread, body, status):
    api_client.force_authenticate(ann)

    response = api_client.post(messages_url(thread.pk), body)

    assert response.status_code == status
    assert set(response.json()) <= {"body", "client_id"}
    assert not Message.objects.exists()


def test_a_stranger_can_neither_read_nor_post_404(api_client, thread):
    api_client.force_authenticate(NeighbourFactory())

    assert api_client.get(messages_url(thread.pk)).status_code == 404
    assert api_client.post(messages_url(thread.pk), {"body": "Hi"}).status_code == 404
    assert not Message.objects.exists()


def test_anonymous_callers_get_401(api_client, thread):
    assert api_client.get(reverse("api:thread-list")).status_code == 401
    assert api_client.post(messages_url(thread.pk), {"body": "Hi"}).status_code == 401


def test_a_blocked_participant_gets_403(api_client, ann, bob, thread):
    Block.objects.create(blocker=bob, blocked=ann)
    api_client.force_authenticate(ann)

    response = api_client.post(messages_url(thread.pk), {"body": "Hi"})

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_messages_over_the_rate_limit_get_429_with_retry_after(api_client, ann, thread, settings):
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "message": "2/min"}
    api_client.force_authenticate(ann)

    statuses = [api_client.post(messages_url(thread.pk), {"body": f"m{n}"}).status_code for n in range(3)]

    assert statuses == [201, 201, 429]
    assert Message.objects.count() == 2


def test_marking_read_returns_the_new_position(api_client, ann, bob, thread):
    services.message_send(thread_id=thread.pk, author=bob, body="Hi")
    api_client.force_authenticate(ann)

    response = api_client.post(reverse("api:thread-read", args=[thread.pk]), {"seq": 5})

    assert response.json() == {"seq": 1}


def test_notifications_list_newest_first_and_can_be_marked_read(api_client, ann):
    services.notification_send(recipient=ann, kind="new_response", payload={"request": 1})
    services.notification_send(recipient=ann, kind="response_accepted", payload={"request": 1})
    services.notification_send(recipient=NeighbourFactory(), kind="new_response", payload={})
    api_client.force_authenticate(ann)

    listed = api_client.get(reverse("api:notification-list")).json()["results"]
    marked = api_client.post(reverse("api:notification-read"))
    unread = api_client.get(reverse("api:notification-list"), {"unread": "1"}).json()["results"]

    assert [n["kind"] for n in listed] == ["response_accepted", "new_response"]
    assert marked.status_code == 204
    assert unread == []
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_blocking_and_unblocking_a_neighbour(api_client, ann, bob):
    api_client.force_authenticate(ann)

    blocked = api_client.post(reverse("api:blocks"), {"neighbour": bob.pk})
    twice = api_client.post(reverse("api:blocks"), {"neighbour": bob.pk})
    listed = api_client.get(reverse("api:blocks")).json()
    lifted = api_client.delete(reverse("api:block-detail", args=[bob.pk]))
    lifted_again = api_client.delete(reverse("api:block-detail", args=[bob.pk]))

    assert (blocked.status_code, twice.status_code) == (201, 201)
    assert [b["neighbour"] for b in listed] == [bob.pk]
    assert (lifted.status_code, lifted_again.status_code) == (204, 404)
    assert not Block.objects.exists()


@pytest.mark.parametrize("target", ["self", "missing", "text"])
def test_blocking_yourself_or_nobody_is_400(api_client, ann, target):
    api_client.force_authenticate(ann)
    neighbour = {"self": ann.pk, "missing": 987654, "text": "bob"}[target]

    response = api_client.post(reverse("api:blocks"), {"neighbour": neighbour})

    assert response.status_code == 400
    assert "neighbour" in response.json()
