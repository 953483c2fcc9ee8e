"""Radius filters are geodesic and index-backed, at 62°N as at 70°N (PostGIS geography)."""

import math
import re

import pytest
from django.db import connection
from django.urls import reverse

from requests.models import HelpRequest
from requests.selectors import help_request_list_visible
from tests.factories import NeighbourFactory, help_request, point

pytestmark = pytest.mark.django_db


def east_of(lat, lon, km):
    """A point ``km`` due east (good to a few metres at these distances)."""
    metres_per_degree = 111_320 * math.cos(math.radians(lat))
    return lat, lon + km * 1000 / metres_per_degree


@pytest.mark.parametrize(("lat", "lon"), [(62.4722, 6.1495), (70.6634, 23.6821)])
def test_a_point_4_6_km_east_is_inside_5_km_and_one_5_4_km_east_is_outside(api_client, lat, lon, settings):
    settings.DUGNAD_RATE_LIMITS_ON = False
    inside = help_request(location=point(*east_of(lat, lon, 4.6)), title="inside")
    outside = help_request(location=point(*east_of(lat, lon, 5.4)), title="outside")
    viewer = NeighbourFactory()
    api_client.force_authenticate(viewer)

    response = api_client.get(reverse("api:request-list"), {"near": f"{lat},{lon}", "radius_km": 5})

    ids = [item["id"] for item in response.json()["results"]]
    assert inside.pk in ids
    assert outside.pk not in ids


def test_nearest_first_with_rounded_distances(api_client):
    far = help_request(location=point(*east_of(62.47, 6.15, 3)), title="far")
    near = help_request(location=point(*east_of(62.47, 6.15, 1)), title="near")
    api_client.force_authenticate(NeighbourFactory())

    response = api_client.get(reverse("api:request-list"), {"near": "62.47,6.15", "ordering": "distance"})

    results = response.json()["results"]
    assert [item["id"] for item in results] == [near.pk, far.pk]
    assert 0.7 <= results[0]["distance_km"] <= 1.3
    assert results[0]["distance_km"] == round(results[0]["distance_km"], 1)


def test_the_nearby_query_uses_the_spatial_index():
    """With a realistic spread of rows the planner answers a 5 km search from the GiST index, not a scan."""
    import random

    from django.utils import timezone

    from geo.privacy import approximate_point
    from geo.selectors import within
    from neighbours.models import Category

    rng = random.Random(7)
    author = NeighbourFactory()
    garden = Category.objects.get(slug="garden")
    rows = []
    for n in range(3000):
        spot = point(rng.uniform(58.0, 70.0), rng.uniform(5.0, 25.0))
        rows.append(HelpRequest(
            author=author, category=garden, title=f"r{n}", location=spot, location_approx=approximate_point(spot),
            expires_at=timezone.now(),
        ))
    HelpRequest.objects.bulk_create(rows)
    queryset = within(
        help_request_list_visible(viewer=NeighbourFactory()).filter(status=HelpRequest.Status.OPEN),
        field="location_approx", point=point(62.47, 6.15), radius_km=5,
    ).order_by("distance")[:50]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE requests_helprequest")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert re.search(r"Index Scan using (helprequest_open_near|requests_helprequest_location_approx_\w+)", plan), plan
