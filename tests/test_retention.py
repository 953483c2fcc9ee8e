"""Retention: `manage.py purge_old_data` deletes closed posts, silent threads and read notifications once they are
older than the settings say, and nothing newer."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from chat.models import Message, Notification, Thread
from chat.services import message_send
from neighbours.data import purge_old_data
from offers.models import HelpOffer
from requests.models import HelpRequest
from tests.factories import agreement, chat_thread, help_offer, help_request, point

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.DUGNAD_RETENTION_CLOSED_REQUEST_DAYS = 365
    settings.DUGNAD_RETENTION_THREAD_DAYS = 730
    settings.DUGNAD_RETENTION_NOTIFICATION_DAYS = 180


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def closed_request(*, status, changed_days_ago):
    row = help_request(notify_nearby=False)
    HelpRequest.objects.filter(pk=row.pk).update(status=status, updated_at=days_ago(changed_days_ago))
    return row


def offer_with(*, status, changed_days_ago):
    row = help_offer()
    HelpOffer.objects.filter(pk=row.pk).update(status=status, updated_at=days_ago(changed_days_ago))
    return row


def silent_thread(*participants, days):
    thread = chat_thread(*participants)
    message_send(thread_id=thread.pk, author=participants[0], body="Hello")
    Thread.objects.filter(pk=thread.pk).update(created_at=days_ago(days), last_message_at=days_ago(days))
    return thread


def test_closed_requests_older_than_the_setting_are_deleted(ann):
    """Cancelled, expired and done requests unchanged for over 365 days go; a recent one stays."""
    old = [closed_request(status=status, changed_days_ago=400) for status in ("cancelled", "expired", "done")]
    recent = closed_request(status="cancelled", changed_days_ago=30)

    counts = purge_old_data()

    assert counts["help requests"] == 3
    assert not HelpRequest.objects.filter(pk__in=[row.pk for row in old]).exists()
    assert HelpRequest.objects.filter(pk=recent.pk).exists()


def test_an_old_open_request_is_kept():
    """Retention only deletes closed requests: an open one is left to expiry."""
    row = closed_request(status="open", changed_days_ago=400)

    purge_old_data()

    assert HelpRequest.objects.filter(pk=row.pk).exists()


def test_old_closed_offers_without_an_agreement_are_deleted():
    """A closed offer unchanged for over 365 days goes; an active one and a recently closed one stay."""
    old = offer_with(status="closed", changed_days_ago=400)
    active = offer_with(status="active", changed_days_ago=400)
    recent = offer_with(status="closed", changed_days_ago=10)

    counts = purge_old_data()

    assert counts["help offers"] == 1
    assert set(HelpOffer.objects.values_list("pk", flat=True)) == {active.pk, recent.pk}
    assert not HelpOffer.objects.filter(pk=old.pk).exists()


def test_a_closed_offer_that_led_to_an_agreement_is_kept(ann, bob):
    """An old closed offer whose ask became an agreement stays (the agreement refers to it)."""
    from offers.services import offer_ask_accept, offer_ask_create

    ann.home = point(62.47, 6.15)
    ann.home_approx = point(62.47, 6.15)
    ann.save()
    offer = help_offer(author=bob)
    ask = offer_ask_create(offer=offer, asker=ann, message="Please")
    offer_ask_accept(ask=ask, by=bob)
    HelpOffer.objects.filter(pk=offer.pk).update(status="closed", updated_at=days_ago(400))

    purge_old_data()

    assert HelpOffer.objects.filter(pk=offer.pk).exists()


def test_silent_threads_are_deleted_with_their_messages(ann, bob):
    """A thread without a message for over 730 days goes with its messages; a recent one stays."""
    old = silent_thread(ann, bob, days=800)
    recent = silent_thread(ann, bob, days=100)

    counts = purge_old_data()

    assert counts["threads"] == 1
    assert not Thread.objects.filter(pk=old.pk).exists()
    assert not Message.objects.filter(thread_id=old.pk).exists()
    assert Thread.objects.filter(pk=recent.pk).exists()


def test_a_silent_thread_of_a_live_agreement_is_kept(ann, bob):
    """An agreement's thread stays as long as the agreement does, however quiet."""
    deal = agreement(requester=ann, helper=bob)
    Thread.objects.filter(pk=deal.thread_id).update(created_at=days_ago(800), last_message_at=days_ago(800))

    purge_old_data()

    assert Thread.objects.filter(pk=deal.thread_id).exists()


def test_read_notifications_older_than_the_setting_are_deleted(ann):
    """Notifications read over 180 days ago go; unread ones and recently read ones stay."""
    old_read = Notification.objects.create(recipient=ann, kind="x", read_at=days_ago(200))
    recent_read = Notification.objects.create(recipient=ann, kind="x", read_at=days_ago(20))
    unread = Notification.objects.create(recipient=ann, kind="x")
    Notification.objects.filter(pk=unread.pk).update(created_at=days_ago(400))

    counts = purge_old_data()

    assert counts["notifications"] == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {recent_read.pk, unread.pk}
    assert not Notification.objects.filter(pk=old_read.pk).exists()


def test_the_command_prints_what_it_deleted(ann, bob):
    """`purge_old_data` deletes and prints one count per kind."""
    closed_request(status="done", changed_days_ago=400)
    silent_thread(ann, bob, days=800)
    out = StringIO()

    call_command("purge_old_data", stdout=out)

    assert "help requests: 1 deleted" in out.getvalue()
    assert "threads: 1 deleted" in out.getvalue()
    assert not HelpRequest.objects.exists()


def test_a_dry_run_deletes_nothing(ann, bob):
    """`purge_old_data --dry-run` prints what would go and deletes nothing."""
    closed_request(status="done", changed_days_ago=400)
    Notification.objects.create(recipient=ann, kind="x", read_at=days_ago(200))
    out = StringIO()

    call_command("purge_old_data", "--dry-run", stdout=out)

    assert "help requests: 1 would be deleted" in out.getvalue()
    assert "notifications: 1 would be deleted" in out.getvalue()
    assert HelpRequest.objects.count() == 1
    assert Notification.objects.count() == 1


def test_shorter_settings_delete_sooner(settings):
    """The numbers come from the settings: with 30 days, a request closed 40 days ago goes."""
    settings.DUGNAD_RETENTION_CLOSED_REQUEST_DAYS = 30
    row = closed_request(status="cancelled", changed_days_ago=40)

    purge_old_data()

    assert not HelpRequest.objects.filter(pk=row.pk).exists()
