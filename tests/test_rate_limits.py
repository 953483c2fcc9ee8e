"""Every rate limit answers 429 with Retry-After (API and pages), and an account is locked after repeated wrong
passwords."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, NeighbourFactory, chat_thread, help_offer, help_request

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def tight(settings):
    """Every scope allows one attempt."""
    settings.DUGNAD_RATES = {scope: "1/hour" for scope in settings.DUGNAD_RATES}
    return settings


def assert_too_many(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_responding_over_the_api_is_limited(api_client, ann, tight):
    """Given one response already sent this hour, when Ann responds to another request, then 429."""
    api_client.force_authenticate(ann)
    first, second = help_request(), help_request()
    assert api_client.post(f"/api/v1/requests/{first.pk}/responses/", {"message": "I can"}).status_code == 201

    assert_too_many(api_client.post(f"/api/v1/requests/{second.pk}/responses/", {"message": "I can"}))


def test_messaging_over_the_api_is_limited(api_client, ann, bob, tight):
    """Given one message sent, when Ann sends another, then 429 with Retry-After."""
    thread = chat_thread(ann, bob)
    api_client.force_authenticate(ann)
    api_client.post(f"/api/v1/threads/{thread.pk}/messages/", {"body": "one"})

    assert_too_many(api_client.post(f"/api/v1/threads/{thread.pk}/messages/", {"body": "two"}))


def test_reporting_over_the_api_is_limited(api_client, ann, tight):
    """Given one report sent, when Ann reports something else, then 429."""
    api_client.force_authenticate(ann)
    first, second = help_request(), help_request()
    api_client.post("/api/v1/reports/", {"target_type": "request", "target_id": first.pk, "reason": "spam"})

    assert_too_many(
        api_client.post("/api/v1/reports/", {"target_type": "request", "target_id": second.pk, "reason": "spam"})
    )


def test_registration_over_the_api_is_limited(api_client, tight):
    """Given one registration from this address, when another follows, then 429."""
    body = {"password": PASSWORD, "display_name": "R"}
    api_client.post("/api/v1/auth/register/", {"email": "r1@example.org", **body})

    assert_too_many(api_client.post("/api/v1/auth/register/", {"email": "r2@example.org", **body}))


def test_logging_in_over_the_api_is_limited(api_client, ann, tight):
    """Given one token request, when another follows, then 429."""
    api_client.post(TOKEN, {"email": ann.email, "password": "wrong"})

    assert_too_many(api_client.post(TOKEN, {"email": ann.email, "password": PASSWORD}))


def test_posting_a_request_on_the_page_is_limited(client, ann, tight):
    """Given one POST to the request form, when another follows, then the friendly 429 page."""
    client.force_login(ann)
    client.post(reverse("frontend:request_create"), {})

    response = client.post(reverse("frontend:request_create"), {})

    assert_too_many(response)
    assert "too many attempts" in response.content.decode()


def test_responding_on_the_page_is_limited(client, ann, tight):
    """Given one answer sent from the page, when Ann answers another request, then 429."""
    client.force_login(ann)
    first, second = help_request(), help_request()
    client.post(reverse("frontend:request_respond", args=[first.pk]), {"message": "I can"})

    assert_too_many(client.post(reverse("frontend:request_respond", args=[second.pk]), {"message": "I can"}))


def test_asking_for_an_offer_on_the_page_is_limited(client, ann, tight):
    """Given one ask sent, when Ann asks for another offer, then 429."""
    client.force_login(ann)
    first, second = help_offer(), help_offer()
    client.post(reverse("frontend:offer_ask", args=[first.pk]), {"message": "Please"})

    assert_too_many(client.post(reverse("frontend:offer_ask", args=[second.pk]), {"message": "Please"}))


def test_reporting_on_the_page_is_limited(client, ann, tight):
    """Given one report sent from the page, when Ann reports another request, then 429."""
    client.force_login(ann)
    first, second = help_request(), help_request()
    client.post(reverse("frontend:report"), {"type": "request", "id": first.pk, "reason": "spam"})

    assert_too_many(client.post(reverse("frontend:report"), {"type": "request", "id": second.pk, "reason": "spam"}))


@pytest.fixture
def lockout(settings):
    settings.DUGNAD_LOGIN_LOCKOUT_FAILURES = 3
    settings.DUGNAD_LOGIN_LOCKOUT_MINUTES = 15
    settings.DUGNAD_RATE_LIMITS_ON = False  # the lock-out, not the per-minute throttle, is under test
    return settings


def fail(api_client, email, times):
    for _attempt in range(times):
        api_client.post(TOKEN, {"email": email, "password": "wrong password"})


def test_the_right_password_is_refused_while_the_account_is_locked(api_client, ann, lockout):
    """Given three wrong passwords for Ann, when the right one comes, then it is refused with the usual words and
    how long to wait."""
    fail(api_client, ann.email, 3)

    response = api_client.post(TOKEN, {"email": ann.email, "password": PASSWORD})

    assert response.status_code == 400
    message = response.json()["non_field_errors"][0]
    assert message.startswith("The e-mail address or the password is not correct.")
    assert "Try again in 15 minutes." in message


def test_the_owner_is_told_by_email_when_their_account_is_locked(api_client, ann, lockout):
    """Given Ann's account, when the third wrong password locks it, then Ann gets one e-mail about it."""
    fail(api_client, ann.email, 3)

    assert [message.to for message in mail.outbox] == [[ann.email]]
    assert "locked" in mail.outbox[0].subject


def test_fewer_failures_than_the_limit_do_not_lock(api_client, ann, lockout):
    """Given two wrong passwords, when the right one comes, then Ann gets her token."""
    fail(api_client, ann.email, 2)

    assert api_client.post(TOKEN, {"email": ann.email, "password": PASSWORD}).status_code == 200


def test_the_login_page_refuses_a_locked_account_with_the_wait(client, ann, lockout):
    """Given Ann's locked account, when she logs in on the page with the right password, then she stays logged
    out and is told to try again later."""
    for _attempt in range(3):
        client.post(reverse("frontend:login"), {"username": ann.email, "password": "wrong password"})

    response = client.post(reverse("frontend:login"), {"username": ann.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "Try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_suspended_neighbour_is_told_why_they_cannot_log_in(client, lockout):
    """Given a neighbour suspended by a moderator, when they log in with the right password, then they are told
    they are suspended."""
    suspended = NeighbourFactory(suspended_until=timezone.now() + timedelta(days=3))

    response = client.post(reverse("frontend:login"), {"username": suspended.email, "password": PASSWORD})

    assert "suspended" in response.content.decode()
    assert "_auth_user_id" not in client.session
