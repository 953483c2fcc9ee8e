from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from chat.models import Notification
from neighbours.models import Category
from neighbours.services import neighbour_update_profile
from requests.models import HelpRequest
from requests.services import digests_send, help_requests_expire
from tests.factories import NeighbourFactory, help_request, point

pytestmark = pytest.mark.django_db


def interested_neighbour(*, lat, lon, reach_km, category="garden", **fields):
    neighbour = NeighbourFactory(**fields)
    neighbour_update_profile(neighbour=neighbour, home=point(lat, lon), reach_km=reach_km)
    neighbour.interests.add(Category.objects.get(slug=category))
    return neighbour


def test_neighbours_whose_reach_covers_a_new_request_in_their_category_are_notified():
    within_reach = interested_neighbour(lat=62.4722, lon=6.1495 + 0.05, reach_km=5)  # ~2.6 km away
    too_far = interested_neighbour(lat=62.4722, lon=6.1495 + 0.05, reach_km=1)
    other_category = interested_neighbour(lat=62.4722, lon=6.1495, reach_km=5, category="pets")
    digest_reader = interested_neighbour(lat=62.4722, lon=6.1495, reach_km=5, notify_frequency="daily")

    posted = help_request(location=point(62.4722, 6.1495))

    notified = set(Notification.objects.filter(kind="request_nearby").values_list("recipient", flat=True))
    assert notified == {within_reach.pk}
    payload = Notification.objects.get(recipient=within_reach).payload
    assert payload["request"] == posted.pk
    assert 2 <= payload["distance_km"] <= 3.2
    assert too_far.pk not in notified
    assert other_category.pk not in notified
    assert digest_reader.pk not in notified


def test_expiry_closes_overdue_open_requests_and_reminds_authors_once():
    now = timezone.now()
    overdue = help_request(needed_from=now - timedelta(days=2), needed_until=now - timedelta(hours=1))
    soon = help_request(needed_from=now, needed_until=now + timedelta(hours=24))
    later = help_request(needed_from=now, needed_until=now + timedelta(days=10))

    first = help_requests_expire(now=now)
    second = help_requests_expire(now=now)

    assert first == (1, 1)
    assert second == (0, 0)
    overdue.refresh_from_db()
    later.refresh_from_db()
    assert overdue.status == HelpRequest.Status.EXPIRED
    assert later.status == HelpRequest.Status.OPEN
    assert Notification.objects.filter(recipient=soon.author, kind="request_expiring").count() == 1


def test_a_request_without_dates_expires_after_the_configured_period(settings):
    settings.DUGNAD_REQUEST_TTL_DAYS = 14

    posted = help_request()

    assert timedelta(days=13, hours=23) < posted.expires_at - posted.created_at <= timedelta(days=14)


def test_the_expire_requests_command_runs_the_expiry():
    now = timezone.now()
    overdue = help_request(needed_from=now - timedelta(days=2), needed_until=now - timedelta(hours=1))

    call_command("expire_requests", verbosity=0)

    overdue.refresh_from_db()
    assert overdue.status == HelpRequest.Status.EXPIRED


def test_daily_digests_list_new_requests_in_my_categories_within_reach_once(django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.core import mail

    reader = interested_neighbour(lat=62.4722, lon=6.1495, reach_km=5, notify_frequency="daily", language="en")
    wanted = help_request(title="Mow the lawn by the church", location=point(62.4722, 6.16))
    help_request(title="Walk my dog", category="pets", location=point(62.4722, 6.16))
    help_request(title="Far away lawn", location=point(62.60, 6.16))

    with django_capture_on_commit_callbacks(execute=True):
        first = digests_send(frequency="daily", base_url="https://dugnad.test")
        again = digests_send(frequency="daily", base_url="https://dugnad.test")
        a_day_later = digests_send(frequency="daily", base_url="https://dugnad.test",
                                   now=timezone.now() + timedelta(days=1, minutes=1))

    assert (first, again, a_day_later) == (1, 0, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [reader.email]
    assert message.subject == "1 new request for help near you"
    assert "Mow the lawn by the church" in message.body
    assert f"https://dugnad.test/requests/{wanted.pk}/" in message.body
    assert "Walk my dog" not in message.body
    assert "Far away lawn" not in message.body


def test_digest_readers_on_another_frequency_get_nothing():
    from django.core import mail

    interested_neighbour(lat=62.4722, lon=6.1495, reach_km=5, notify_frequency="weekly")
    help_request(location=point(62.4722, 6.15))

    assert digests_send(frequency="daily", base_url="https://dugnad.test") == 0
    assert mail.outbox == []
