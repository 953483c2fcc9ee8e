"""The reports endpoint and the moderators' API: status codes, permissions and shapes."""

import pytest

from chat.models import Notification
from neighbours.models import Report
from tests.factories import NeighbourFactory, chat_message, chat_thread, help_request, moderator

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports/"
QUEUE = "/api/v1/moderation/queue/"
DECISIONS = "/api/v1/moderation/decisions/"


def test_a_new_report_answers_201(api_client, ann, bob):
    """Given Bob's request, when Ann reports it, then 201 with the open report."""
    post = help_request(author=bob)
    api_client.force_authenticate(ann)

    response = api_client.post(REPORTS, {"target_type": "request", "target_id": post.pk, "reason": "spam"})

    assert response.status_code == 201
    assert response.json()["status"] == "open"
    assert response.json()["target_id"] == post.pk


def test_the_same_report_again_answers_200_with_the_existing_one(api_client, ann, bob):
    """Given Ann's open report, when she sends it again, then 200 with the same id."""
    post = help_request(author=bob)
    api_client.force_authenticate(ann)
    body = {"target_type": "request", "target_id": post.pk, "reason": "spam"}
    first = api_client.post(REPORTS, body).json()

    response = api_client.post(REPORTS, body)

    assert response.status_code == 200
    assert response.json()["id"] == first["id"]


def test_an_unknown_target_type_answers_400(api_client, ann):
    """Given a made-up type, when Ann reports, then 400 with a target_type field error."""
    api_client.force_authenticate(ann)

    response = api_client.post(REPORTS, {"target_type": "poem", "target_id": 1, "reason": "spam"})

    assert response.status_code == 400
    assert "target_type" in response.json()


def test_a_message_of_someone_elses_thread_answers_400(api_client, ann, bob):
    """Given a message between Ann and Bob, when Carl reports it, then 400 and nothing is stored."""
    message = chat_message(thread=chat_thread(ann, bob), author=bob)
    api_client.force_authenticate(NeighbourFactory())

    response = api_client.post(REPORTS, {"target_type": "message", "target_id": message.pk, "reason": "abuse"})

    assert response.status_code == 400
    assert not Report.objects.exists()


def test_reporting_needs_an_account(api_client, bob):
    """Given no login, when someone reports, then 401."""
    post = help_request(author=bob)

    response = api_client.post(REPORTS, {"target_type": "request", "target_id": post.pk, "reason": "spam"})

    assert response.status_code == 401


def test_the_queue_is_404_for_ordinary_neighbours(api_client, ann):
    """Given Ann, not a moderator, when she asks for the queue, then 404."""
    api_client.force_authenticate(ann)

    assert api_client.get(QUEUE).status_code == 404


def test_the_queue_lists_reported_content_without_reporters(api_client, ann, bob):
    """Given Ann's report on Bob's request, when a moderator reads the queue, then the item shows the request and
    the reason but not who reported it."""
    post = help_request(author=bob, title="Cheap watches")
    api_client.force_authenticate(ann)
    api_client.post(REPORTS, {"target_type": "request", "target_id": post.pk, "reason": "spam"})
    api_client.force_authenticate(moderator())

    [item] = api_client.get(QUEUE).json()

    assert item["target"]["title"] == "Cheap watches"
    assert item["target"]["author"]["id"] == bob.pk
    assert item["reports"][0]["reason"] == "spam"
    assert "reporter" not in str(item)


def test_a_decision_answers_201_and_tells_the_reporter(api_client, ann, bob):
    """Given Ann's report on Bob's request, when a moderator hides it, then 201 and Ann is told."""
    post = help_request(author=bob)
    api_client.force_authenticate(ann)
    api_client.post(REPORTS, {"target_type": "request", "target_id": post.pk, "reason": "spam"})
    api_client.force_authenticate(moderator())

    response = api_client.post(DECISIONS, {"target_type": "request", "target_id": post.pk, "action": "hide"})

    assert response.status_code == 201
    assert response.json()["reports_settled"] == 1
    assert Notification.objects.get(recipient=ann, kind="report_decided").payload["action"] == "hide"


def test_a_hidden_request_answers_404_to_others_over_the_api(api_client, ann, bob):
    """Given Bob's request hidden by a moderator, when Ann fetches it, then 404; Bob still gets it."""
    post = help_request(author=bob)
    api_client.force_authenticate(ann)
    api_client.post(REPORTS, {"target_type": "request", "target_id": post.pk, "reason": "spam"})
    api_client.force_authenticate(moderator())
    api_client.post(DECISIONS, {"target_type": "request", "target_id": post.pk, "action": "hide"})

    api_client.force_authenticate(ann)
    assert api_client.get(f"/api/v1/requests/{post.pk}/").status_code == 404
    api_client.force_authenticate(bob)
    assert api_client.get(f"/api/v1/requests/{post.pk}/").status_code == 200


def test_verifying_answers_403_for_a_stranger(api_client, ann, bob):
    """Given Ann neither moderator nor Bob's organisation admin, when she verifies Bob, then 403."""
    api_client.force_authenticate(ann)

    assert api_client.put(f"/api/v1/neighbours/{bob.pk}/verified/").status_code == 403


def test_a_moderator_verifies_over_the_api(api_client, bob):
    """Given a moderator, when they verify Bob, then 200 and verified is true."""
    api_client.force_authenticate(moderator())

    response = api_client.put(f"/api/v1/neighbours/{bob.pk}/verified/")

    assert response.status_code == 200
    assert response.json()["verified"] is True
