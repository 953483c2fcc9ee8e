from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from offers.models import HelpOffer
from tests.factories import NeighbourFactory, help_offer, help_request, point

pytestmark = pytest.mark.django_db

LIST = reverse("api:offer-list")
ALESUND = {"lat": 62.4722, "lon": 6.1495}


def test_offering_help_answers_201(api_client):
    api_client.force_authenticate(NeighbourFactory())

    response = api_client.post(
        LIST,
        {"category": "digital", "title": "Help with Digipost", "location": ALESUND, "radius_km": 3,
         "availability": {"tue": [["14:00", "16:00"]]}},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["radius_km"] == 3.0
    assert body["availability"] == {"tue": [["14:00", "16:00"]]}
    assert body["status"] == "active"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": 101}, "radius_km"),
        ({"availability": {"someday": [["09:00", "10:00"]]}}, "availability"),
        ({"availability": {"mon": [["12:00", "09:00"]]}}, "availability"),
        ({"availability": {"mon": [["9", "10"]]}}, "availability"),
        ({"availability": ["mon"]}, "availability"),
        ({"category": "unknown"}, "category"),
    ],
)
def test_bad_offers_are_refused_with_a_field_error(api_client, change, field):
    api_client.force_authenticate(NeighbourFactory())
    body = {"category": "garden", "title": "Mowing", "location": ALESUND, "radius_km": 5, **change}

    response = api_client.post(LIST, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not HelpOffer.objects.exists()


def test_nobody_changes_someone_elses_offer(api_client):
    theirs = help_offer()
    api_client.force_authenticate(NeighbourFactory())

    response = api_client.patch(reverse("api:offer-detail", args=[theirs.pk]), {"status": "closed"}, format="json")

    assert response.status_code == 403


def test_a_closed_offer_disappears_for_others_but_not_for_its_author(api_client):
    offer = help_offer()
    api_client.force_authenticate(offer.author)
    assert api_client.delete(reverse("api:offer-detail", args=[offer.pk])).status_code == 204

    own = api_client.get(LIST).json()["results"]
    api_client.force_authenticate(NeighbourFactory())
    others = api_client.get(LIST).json()["results"]

    assert [item["status"] for item in own] == ["closed"]
    assert others == []


def test_matches_are_covering_offers_of_the_category_available_ones_first(api_client):
    tuesday_2pm = timezone.localtime(timezone.now() + timedelta(days=7))
    tuesday_2pm = tuesday_2pm.replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(
        days=(1 - tuesday_2pm.weekday()) % 7
    )
    wanted = help_request(category="digital", location=point(62.4722, 6.1495), needed_from=tuesday_2pm)
    available_far = help_offer(category="digital", location=point(62.4722, 6.1495 + 0.06), radius_km=10,
                               availability={"tue": [["13:00", "17:00"]]})
    unavailable_near = help_offer(category="digital", location=point(62.4722, 6.1495 + 0.01), radius_km=10,
                                  availability={"mon": [["09:00", "10:00"]]})
    help_offer(category="digital", location=point(62.4722, 6.1495 + 0.2), radius_km=2)  # does not reach
    help_offer(category="garden", location=point(62.4722, 6.1495), radius_km=10)  # other kind of help
    api_client.force_authenticate(wanted.author)

    response = api_client.get(reverse("api:request-matches", args=[wanted.pk]))

    assert response.status_code == 200
    matches = response.json()
    assert [m["id"] for m in matches] == [available_far.pk, unavailable_near.pk]
    assert [m["available"] for m in matches] == [True, False]
    assert all(m["location_is_approximate"] for m in matches)


def test_only_the_requester_sees_the_matches(api_client):
    wanted = help_request()
    api_client.force_authenticate(NeighbourFactory())

    assert api_client.get(reverse("api:request-matches", args=[wanted.pk])).status_code == 403
