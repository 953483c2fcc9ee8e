"""A stranger never sees, nor can derive, the exact location of someone else's request."""

import pytest
from django.urls import reverse

from geo.privacy import approximate_point
from requests.services import response_accept, response_create
from tests.factories import NeighbourFactory, help_request, point

pytestmark = pytest.mark.django_db


def test_a_stranger_sees_only_the_approximate_point(api_client):
    secret = point(62.471234, 6.151234)
    posted = help_request(location=secret)
    api_client.force_authenticate(NeighbourFactory())

    body = api_client.get(reverse("api:request-detail", args=[posted.pk])).json()

    approx = approximate_point(secret)
    assert body["location"] == {"lat": round(approx.y, 6), "lon": round(approx.x, 6)}
    assert body["location_is_approximate"] is True
    assert "62.471234" not in str(body)


def test_the_helper_sees_the_exact_point_once_there_is_an_agreement(api_client):
    secret = point(62.471234, 6.151234)
    posted = help_request(location=secret)
    helper = NeighbourFactory()
    response = response_create(help_request=posted, responder=helper, message="I can")
    api_client.force_authenticate(helper)
    before = api_client.get(reverse("api:request-detail", args=[posted.pk])).json()

    response_accept(response=response, by=posted.author)
    after = api_client.get(reverse("api:request-detail", args=[posted.pk])).json()

    assert before["location_is_approximate"] is True
    assert after["location"] == {"lat": 62.471234, "lon": 6.151234}
    assert after["location_is_approximate"] is False


def test_probing_radii_around_the_exact_point_reveals_nothing_finer_than_its_grid_cell(api_client):
    """Two requests whose exact points differ but share a cell are indistinguishable to any probe."""
    first = help_request(location=point(62.47101, 6.15101), title="first")
    second = help_request(location=point(62.47149, 6.15149), title="second")
    assert first.location_approx == second.location_approx
    api_client.force_authenticate(NeighbourFactory())

    for probe in ("62.47101,6.15101", "62.47149,6.15149", "62.4725,6.1530"):
        for radius in ("0.05", "0.1", "0.2", "0.5", "1"):
            results = api_client.get(
                reverse("api:request-list"), {"near": probe, "radius_km": radius}
            ).json()["results"]
            found = {item["title"]: item["distance_km"] for item in results}
            assert ("first" in found) == ("second" in found)
            assert found.get("first") == found.get("second")
