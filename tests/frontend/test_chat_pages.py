"""Conversation and notification pages, without JavaScript (the browser tests cover the live side)."""

import uuid

import pytest
from django.urls import reverse

from chat import services
from chat.models import Message, Participant
from tests.factories import NeighbourFactory, chat_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(ann, bob):
    return chat_thread(ann, bob, title="Mowing the pitch")


def test_the_messages_page_lists_my_conversations_with_unread_counts(client, ann, bob, thread):
    services.message_send(thread_id=thread.pk, author=bob, body="Friday?")
    client.force_login(ann)

    response = client.get(reverse("frontend:thread_list"))

    assert "Mowing the pitch" in response.text
    assert "1 unread" in response.text
    assert "Bob: Friday?" in response.text


def test_opening_a_conversation_shows_it_and_marks_it_read(client, ann, bob, thread):
    services.message_send(thread_id=thread.pk, author=bob, body="Friday at 10?")
    client.force_login(ann)

    response = client.get(reverse("frontend:thread_detail", args=[thread.pk]))

    assert response.status_code == 200
    assert "Friday at 10?" in response.text
    assert Participant.objects.get(thread=thread, neighbour=ann).last_read_seq == 1


def test_chat_messages_are_shown_once_in_the_conversation_and_never_as_page_notices(client, ann, bob, thread):
    """The page's notices ("You accepted the proposal"…) and the conversation's messages are kept apart."""
    services.message_send(thread_id=thread.pk, author=bob, body="Friday at 10?")
    client.force_login(ann)

    page = client.get(reverse("frontend:thread_detail", args=[thread.pk])).text

    assert page.count("Friday at 10?") == 1
    assert '<div class="messages"' not in page


def test_the_form_sends_a_message_once_even_when_submitted_twice(client, ann, thread):
    client.force_login(ann)
    form = {"body": "See you then.", "client_id": str(uuid.uuid4())}

    first = client.post(reverse("frontend:thread_detail", args=[thread.pk]), form)
    second = client.post(reverse("frontend:thread_detail", args=[thread.pk]), form)

    assert first.status_code == second.status_code == 302
    assert first["Location"].endswith("#message-1")
    assert list(Message.objects.values_list("body", flat=True)) == ["See you then."]


def test_a_message_too_long_is_shown_again_with_the_error(client, ann, thread):
    client.force_login(ann)

    response = client.post(reverse("frontend:thread_detail", args=[thread.pk]),
                           {"body": "x" * 4001, "client_id": str(uuid.uuid4())})

    assert response.status_code == 400
    assert "at most 4000 characters" in response.text
    assert not Message.objects.exists()


def test_html_in_a_message_is_shown_as_text(client, ann, bob, thread):
    services.message_send(thread_id=thread.pk, author=bob, body="<script>alert(1)</script>")
    client.force_login(ann)

    response = client.get(reverse("frontend:thread_detail", args=[thread.pk]))

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text


def test_a_strangers_conversation_does_not_exist_for_me(client, thread):
    client.force_login(NeighbourFactory())

    assert client.get(reverse("frontend:thread_detail", args=[thread.pk])).status_code == 404
    assert client.post(reverse("frontend:thread_detail", args=[thread.pk]),
                       {"body": "Hi", "client_id": str(uuid.uuid4())}).status_code == 404


def test_earlier_messages_are_one_link_away(client, ann, bob, thread):
    for n in range(55):
        services.message_send(thread_id=thread.pk, author=bob, body=f"message number {n + 1}")
    client.force_login(ann)

    newest = client.get(reverse("frontend:thread_detail", args=[thread.pk]))
    earlier = client.get(reverse("frontend:thread_detail", args=[thread.pk]), {"before": 6})

    assert "message number 55<" in newest.text
    assert "message number 5<" not in newest.text
    assert "?before=6" in newest.text
    assert "message number 5<" in earlier.text


def test_the_menu_counts_unread_messages_and_notifications(client, ann, bob, thread):
    services.message_send(thread_id=thread.pk, author=bob, body="Hi")
    services.notification_send(recipient=ann, kind="new_response", payload={"request": 1, "from": "Bob"})
    client.force_login(ann)

    response = client.get(reverse("frontend:home"))

    assert "1 unread" in response.text
    assert "1 new" in response.text


def test_the_notifications_page_explains_each_notification_and_marks_them_read(client, ann, thread):
    services.notification_send(recipient=ann, kind="response_accepted",
                               payload={"request": 1, "agreement": 1, "thread": thread.pk})
    client.force_login(ann)

    response = client.get(reverse("frontend:notification_list"))

    assert "Your offer to help was accepted." in response.text
    assert reverse("frontend:thread_detail", args=[thread.pk]) in response.text
    assert not ann.notifications.filter(read_at__isnull=True).exists()
