from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.models import Notification, Participant
from neighbours.models import Category, Membership
from requests.models import HelpRequest, Response
from tests.factories import MembershipFactory, NeighbourFactory, OrganisationFactory, help_request, point

pytestmark = pytest.mark.django_db

LIST = reverse("api:request-list")
ALESUND = {"lat": 62.4722, "lon": 6.1495}


def detail(pk):
    return reverse("api:request-detail", args=[pk])


@pytest.fixture
def as_neighbour(api_client):
    def login(neighbour=None):
        neighbour = neighbour or NeighbourFactory()
        api_client.force_authenticate(neighbour)
        return neighbour

    return login


def test_anonymous_visitors_get_401(api_client):
    assert api_client.get(LIST).status_code == 401
    assert api_client.post(LIST, {}).status_code == 401


def test_posting_a_request_answers_201_with_my_exact_location(api_client, as_neighbour):
    as_neighbour()

    response = api_client.post(
        LIST, {"category": "garden", "title": "Mow my lawn", "description": "Small lawn", "location": ALESUND},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["category"] == "garden"
    assert body["location"] == ALESUND
    assert body["location_is_approximate"] is False
    assert body["status"] == "open"
    assert body["is_mine"] is True


def test_the_location_defaults_to_the_authors_home(api_client, as_neighbour):
    from neighbours.services import neighbour_update_profile

    neighbour = neighbour_update_profile(neighbour=NeighbourFactory(), home=point(62.47, 6.16))
    as_neighbour(neighbour)

    response = api_client.post(LIST, {"category": "errands", "title": "Groceries"}, format="json")

    assert response.status_code == 201
    assert response.json()["location"] == {"lat": 62.47, "lon": 6.16}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "garden", "title": "x"}, "location"),
        ({"category": "gardening", "title": "x", "location": ALESUND}, "category"),
        ({"category": "garden", "title": "", "location": ALESUND}, "title"),
        ({"category": "garden", "title": "x", "location": {"lat": 95, "lon": 6}}, "location"),
        ({"category": "garden", "title": "x", "location": ALESUND,
          "needed_from": "2027-05-02T10:00:00+02:00", "needed_until": "2027-05-01T10:00:00+02:00"}, "needed_until"),
        ({"category": "garden", "title": "x", "location": ALESUND,
          "needed_from": "2027-05-02T10:00:00+02:00", "recurrence": "FREQ=SOMETIMES"}, "recurrence"),
        ({"category": "garden", "title": "x", "location": ALESUND,
          "needed_from": "2027-05-02T10:00:00+02:00", "recurrence": "FREQ=MINUTELY;COUNT=5"}, "recurrence"),
        ({"category": "garden", "title": "x", "location": ALESUND, "recurrence": "FREQ=WEEKLY;COUNT=3"},
         "needed_from"),
    ],
)
def test_bad_requests_are_refused_with_a_field_error(api_client, as_neighbour, body, field):
    as_neighbour()

    response = api_client.post(LIST, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not HelpRequest.objects.exists()


def test_unverified_neighbours_cannot_post_where_verification_is_required(api_client, as_neighbour, settings):
    settings.DUGNAD_REQUIRE_EMAIL_VERIFICATION = True
    as_neighbour(NeighbourFactory(email_verified_at=None))

    response = api_client.post(LIST, {"category": "garden", "title": "x", "location": ALESUND}, format="json")

    assert response.status_code == 403


def test_only_coordinators_post_for_an_organisation(api_client, as_neighbour):
    member = MembershipFactory(role=Membership.Role.MEMBER)
    coordinator = MembershipFactory(organisation=member.organisation, role=Membership.Role.COORDINATOR)
    body = {"category": "garden", "title": "Mow the pitch", "location": ALESUND,
            "organisation": member.organisation.pk}

    as_neighbour(member.neighbour)
    refused = api_client.post(LIST, body, format="json")
    as_neighbour(coordinator.neighbour)
    accepted = api_client.post(LIST, body, format="json")

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert accepted.json()["organisation"] == member.organisation.pk


def test_posting_is_rate_limited_per_neighbour(api_client, as_neighbour, settings):
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "post": "2/hour"}
    as_neighbour()
    body = {"category": "garden", "title": "x", "location": ALESUND}
    for _ in range(2):
        assert api_client.post(LIST, body, format="json").status_code == 201

    response = api_client.post(LIST, body, format="json")

    assert response.status_code == 429
    assert HelpRequest.objects.count() == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "62.47"}, "near"),
        ({"near": "north,east"}, "near"),
        ({"near": "91,6"}, "near"),
        ({"near": "62.47,6.15", "radius_km": "-1"}, "radius_km"),
        ({"near": "62.47,6.15", "radius_km": "5000"}, "radius_km"),
        ({"radius_km": "5"}, "radius_km"),
        ({"ordering": "distance"}, "ordering"),
        ({"category": "nope"}, "category"),
        ({"status": "lost"}, "status"),
    ],
)
def test_bad_list_filters_are_400_with_the_field_named(api_client, as_neighbour, params, field):
    as_neighbour()

    response = api_client.get(LIST, params)

    assert response.status_code == 400
    assert field in response.json()


def test_list_filters_by_category_and_organisation(api_client, as_neighbour):
    organisation = OrganisationFactory()
    coordinator = MembershipFactory(organisation=organisation, role=Membership.Role.COORDINATOR).neighbour
    garden = help_request(category="garden")
    digital = help_request(category="digital", author=coordinator, organisation=organisation)
    as_neighbour()

    by_category = api_client.get(LIST, {"category": "digital"}).json()["results"]
    by_organisation = api_client.get(LIST, {"organisation": organisation.pk}).json()["results"]

    assert [item["id"] for item in by_category] == [digital.pk]
    assert [item["id"] for item in by_organisation] == [digital.pk]
    assert garden.pk not in [item["id"] for item in by_organisation]


def test_geojson_lists_approximate_points_even_for_the_owner(api_client, as_neighbour):
    owner = as_neighbour()
    mine = help_request(author=owner, location=point(62.47123, 6.15123))

    response = api_client.get(LIST, {"format": "geojson"})
    by_path = api_client.get(reverse("api:request-geojson"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    feature = collection["features"][0]
    assert feature["id"] == mine.pk
    assert feature["geometry"]["coordinates"] == [round(mine.location_approx.x, 6), round(mine.location_approx.y, 6)]
    assert by_path.json() == collection


def test_nobody_edits_or_cancels_someone_elses_request(api_client, as_neighbour):
    theirs = help_request()
    as_neighbour()

    edit = api_client.patch(detail(theirs.pk), {"title": "mine now"}, format="json")
    cancel = api_client.delete(detail(theirs.pk))

    assert edit.status_code == 403
    assert cancel.status_code == 403
    theirs.refresh_from_db()
    assert (theirs.title, theirs.status) == ("Mow my lawn", "open")


def test_the_author_edits_and_cancels_their_request_and_cannot_cancel_twice(api_client, as_neighbour):
    author = as_neighbour()
    mine = help_request(author=author)

    edited = api_client.patch(detail(mine.pk), {"title": "Mow and rake"}, format="json")
    cancelled = api_client.delete(detail(mine.pk))
    again = api_client.delete(detail(mine.pk))

    assert edited.json()["title"] == "Mow and rake"
    assert cancelled.status_code == 204
    assert again.status_code == 409


def test_a_cancelled_request_of_someone_else_does_not_exist_for_me(api_client, as_neighbour):
    from requests.services import help_request_cancel

    theirs = help_request()
    help_request_cancel(help_request=theirs, by=theirs.author)
    as_neighbour()

    assert api_client.get(detail(theirs.pk)).status_code == 404
    assert api_client.get(detail(999_999)).status_code == 404


def test_respond_then_accept_makes_an_agreement_with_a_thread_and_dates(api_client, as_neighbour):
    start = timezone.now() + timedelta(days=3)
    author = NeighbourFactory()
    weekly = help_request(author=author, needed_from=start, needed_until=start + timedelta(hours=2),
                          recurrence="FREQ=WEEKLY;COUNT=8")
    helper = as_neighbour()
    answered = api_client.post(reverse("api:request-responses", args=[weekly.pk]),
                               {"message": "I have a mower"}, format="json")
    as_neighbour(author)

    accepted = api_client.post(reverse("api:response-accept", args=[answered.json()["id"]]))

    assert answered.status_code == 201
    assert accepted.status_code == 201
    agreement = accepted.json()
    assert agreement["request"] == weekly.pk
    assert {party["id"] for party in agreement["parties"]} == {author.pk, helper.pk}
    assert len(agreement["occurrences"]) == 8
    assert agreement["occurrences"][0]["status"] == "scheduled"
    assert set(Participant.objects.filter(thread=agreement["thread"]).values_list("neighbour", flat=True)) == {
        author.pk, helper.pk,
    }
    weekly.refresh_from_db()
    assert weekly.status == "matched"
    occurrences = api_client.get(reverse("api:agreement-occurrences", args=[agreement["id"]])).json()
    assert [o["starts_at"] for o in occurrences] == sorted(o["starts_at"] for o in occurrences)
    assert Notification.objects.filter(recipient=helper, kind="response_accepted").exists()
    assert Notification.objects.filter(recipient=author, kind="new_response").exists()


def test_only_the_requester_accepts_and_only_once(api_client, as_neighbour):
    from requests.services import response_create

    wanted = help_request()
    helper = NeighbourFactory()
    response = response_create(help_request=wanted, responder=helper, message="Me!")
    url = reverse("api:response-accept", args=[response.pk])

    as_neighbour(helper)
    by_helper = api_client.post(url)
    as_neighbour()
    by_stranger = api_client.post(url)
    as_neighbour(wanted.author)
    first = api_client.post(url)
    second = api_client.post(url)

    assert by_helper.status_code == 403
    assert by_stranger.status_code == 404
    assert first.status_code == 201
    assert second.status_code == 409


def test_answering_my_own_request_or_answering_twice_is_refused(api_client, as_neighbour):
    author = as_neighbour()
    mine = help_request(author=author)
    url = reverse("api:request-responses", args=[mine.pk])

    own = api_client.post(url, {"message": "hi"}, format="json")
    as_neighbour()
    first = api_client.post(url, {"message": "hi"}, format="json")
    twice = api_client.post(url, {"message": "hi again"}, format="json")

    assert own.status_code == 400
    assert first.status_code == 201
    assert twice.status_code == 409
    assert Response.objects.count() == 1


def test_the_author_sees_every_answer_and_others_only_their_own(api_client, as_neighbour):
    from requests.services import response_create

    wanted = help_request()
    first = response_create(help_request=wanted, responder=NeighbourFactory(), message="a")
    second_helper = NeighbourFactory()
    response_create(help_request=wanted, responder=second_helper, message="b")
    url = reverse("api:request-responses", args=[wanted.pk])

    as_neighbour(wanted.author)
    everything = api_client.get(url).json()
    as_neighbour(second_helper)
    own = api_client.get(url).json()

    assert len(everything) == 2
    assert [item["message"] for item in own] == ["b"]
    assert first.pk not in [item["id"] for item in own]


def test_categories_are_listed_with_translated_names(api_client, as_neighbour):
    as_neighbour()

    english = api_client.get(reverse("api:categories")).json()
    norwegian = api_client.get(reverse("api:categories"), HTTP_ACCEPT_LANGUAGE="nb").json()

    assert [c["slug"] for c in english] == [
        "garden", "digital", "errands", "transport", "repairs", "company", "lending", "pets", "childcare", "other",
    ]
    assert english[0]["name"] == "Garden and mowing"
    assert norwegian[0]["name"] != english[0]["name"]
    assert Category.objects.count() == 10


def test_posts_outside_the_service_area_are_refused_with_a_clear_message(api_client, as_neighbour):
    from pathlib import Path

    import geo
    from geo.services import service_area_import

    service_area_import(path=Path(geo.__file__).parent / "data" / "alesund_boundary.geojson", name="Ålesund")
    as_neighbour()

    oslo = api_client.post(LIST, {"category": "garden", "title": "x", "location": {"lat": 59.91, "lon": 10.75}},
                           format="json")
    alesund = api_client.post(LIST, {"category": "garden", "title": "x", "location": ALESUND}, format="json")

    assert oslo.status_code == 400
    assert "outside the area Dugnad serves (Ålesund)" in oslo.json()["location"][0]
    assert alesund.status_code == 201


def test_lists_page_with_next_links_and_no_total_count(api_client, as_neighbour, settings):
    settings.DUGNAD_RATE_LIMITS_ON = False
    from config.pagination import NextLinkPagination

    as_neighbour()
    for n in range(NextLinkPagination.page_size + 1):
        help_request(title=f"r{n}")

    first = api_client.get(LIST).json()
    second = api_client.get(first["next"]).json()

    assert "count" not in first
    assert len(first["results"]) == 50
    assert first["previous"] is None
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None
    assert api_client.get(LIST, {"page": "0"}).status_code == 404
    assert api_client.get(LIST, {"page": "x"}).status_code == 404
