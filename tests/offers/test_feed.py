import pytest
from django.urls import reverse

from neighbours.models import Category, Follow, Membership
from neighbours.services import neighbour_update_profile
from requests.services import help_request_cancel
from tests.factories import MembershipFactory, NeighbourFactory, OrganisationFactory, help_offer, help_request, point

pytestmark = pytest.mark.django_db

FEED = reverse("api:feed")
HOME = (62.4722, 6.1495)


@pytest.fixture
def reader(api_client):
    neighbour = neighbour_update_profile(neighbour=NeighbourFactory(), home=point(*HOME), reach_km=5)
    api_client.force_authenticate(neighbour)
    return neighbour


def ids(response):
    return [(item["kind"], item["id"]) for item in response.json()["results"]]


def test_the_feed_shows_open_requests_and_active_offers_within_my_reach_newest_first(api_client, reader):
    near_request = help_request(location=point(HOME[0], HOME[1] + 0.02))
    near_offer = help_offer(location=point(HOME[0], HOME[1] + 0.03))
    help_request(location=point(HOME[0], HOME[1] + 0.5))  # ~26 km away
    closed = help_request(location=point(*HOME))
    help_request_cancel(help_request=closed, by=closed.author)
    help_request(author=reader, location=point(*HOME))  # my own

    response = api_client.get(FEED)

    assert response.status_code == 200
    assert ids(response) == [("offer", near_offer.pk), ("request", near_request.pk)]
    first = response.json()["results"][0]
    assert first["location_is_approximate"] is True
    assert 1.0 <= first["distance_km"] <= 2.0


def test_the_feed_keeps_to_my_chosen_kinds_of_help(api_client, reader):
    reader.interests.add(Category.objects.get(slug="digital"))
    digital = help_request(category="digital")
    help_request(category="garden")

    assert ids(api_client.get(FEED)) == [("request", digital.pk)]


def test_followed_organisations_appear_at_any_distance(api_client, reader):
    club = OrganisationFactory()
    coordinator = MembershipFactory(organisation=club, role=Membership.Role.COORDINATOR).neighbour
    far_post = help_request(author=coordinator, organisation=club, location=point(69.65, 18.96))
    Follow.objects.create(neighbour=reader, organisation=club)

    results = api_client.get(FEED).json()["results"]

    assert [(item["id"], item["followed"]) for item in results] == [(far_post.pk, True)]


def test_feed_filters_and_nearest_ordering(api_client, reader):
    far = help_request(location=point(HOME[0], HOME[1] + 0.04), category="pets")
    near = help_request(location=point(HOME[0], HOME[1] + 0.01), category="pets")
    help_offer(location=point(*HOME), category="pets")

    response = api_client.get(FEED, {"kind": "request", "category": "pets", "ordering": "nearest"})

    assert ids(response) == [("request", near.pk), ("request", far.pk)]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "both"}, "kind"), ({"category": "x"}, "category"), ({"radius_km": "0"}, "radius_km"),
     ({"radius_km": "500"}, "radius_km"), ({"ordering": "random"}, "ordering"), ({"page": "0"}, "page"),
     # (a NUL made PostgreSQL fail the category query: a 500, found by fuzzing)
     ({"category": "gar\x00den"}, "category")],
)
def test_bad_feed_parameters_are_400(api_client, reader, params, field):
    response = api_client.get(FEED, params)

    assert response.status_code == 400
    assert field in response.json()


def test_without_a_home_the_feed_holds_only_followed_organisations(api_client):
    api_client.force_authenticate(NeighbourFactory())
    help_request()

    response = api_client.get(FEED)

    assert response.status_code == 200
    assert response.json() == {"results": [], "next": None}
