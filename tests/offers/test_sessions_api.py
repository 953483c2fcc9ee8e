"""The sessions API: status codes, permissions and shapes (DESIGN §3)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from neighbours.models import Follow
from neighbours.services import neighbour_update_profile
from offers.models import Session, SignUp
from offers.services import help_offer_update
from offers.sessions import session_cancel, signup_create
from tests.factories import NeighbourFactory, group_session, help_offer, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(offer):
    return group_session(offer=offer, capacity=1)


def as_(api_client, neighbour):
    api_client.force_authenticate(neighbour)
    return api_client


def times(hours_from_now=24, length=2):
    start = timezone.now() + timedelta(hours=hours_from_now)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=length)).isoformat()}


def test_an_organiser_creates_a_session_and_gets_it_back(api_client, offer, coordinator):
    response = as_(api_client, coordinator).post(
        reverse("api:offer-sessions", args=[offer.pk]), {**times(), "capacity": 12, "place": "Library"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["capacity"], body["seats_left"], body["waitlist_length"], body["my_signup"]) == (12, 12, 0, None)
    assert body["thread"] is not None


@pytest.mark.parametrize(("payload", "field"), [
    ({**times(), "capacity": 0}, "capacity"),
    ({**times(), "capacity": -2}, "capacity"),
    ({**times(-3), "capacity": 5}, "starts_at"),
    ({"starts_at": times()["ends_at"], "ends_at": times()["starts_at"], "capacity": 5}, "ends_at"),
])
def test_bad_sessions_are_400_with_the_field_named(api_client, offer, coordinator, payload, field):
    response = as_(api_client, coordinator).post(reverse("api:offer-sessions", args=[offer.pk]), payload)

    assert response.status_code == 400
    assert field in response.json()


def test_a_stranger_creating_a_session_gets_403(api_client, offer):
    response = as_(api_client, NeighbourFactory()).post(
        reverse("api:offer-sessions", args=[offer.pk]), {**times(), "capacity": 5}
    )

    assert response.status_code == 403


def test_unknown_offers_and_sessions_are_404(api_client):
    client = as_(api_client, NeighbourFactory())

    assert client.get(reverse("api:offer-sessions", args=[999999])).status_code == 404
    assert client.get(reverse("api:session-detail", args=[999999])).status_code == 404
    assert client.post(reverse("api:session-signup", args=[999999])).status_code == 404


def test_the_offer_lists_upcoming_sessions_with_seats_and_my_sign_up(api_client, session):
    person = NeighbourFactory()
    signup_create(session=session, neighbour=person)

    body = as_(api_client, person).get(reverse("api:offer-sessions", args=[session.offer_id])).json()

    assert [item["id"] for item in body["results"]] == [session.pk]
    item = body["results"][0]
    assert (item["seats_left"], item["waitlist_length"]) == (0, 0)
    assert item["my_signup"]["status"] == "confirmed"
    assert item["my_signup"]["position"] == 1


def test_signing_up_is_201_with_status_and_position_then_200_with_the_same(api_client, session):
    client = as_(api_client, NeighbourFactory())
    url = reverse("api:session-signup", args=[session.pk])

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == 201
    assert (first.json()["status"], first.json()["position"]) == ("confirmed", 1)
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]


def test_when_full_signing_up_puts_you_on_the_waiting_list(api_client, session):
    signup_create(session=session, neighbour=NeighbourFactory())

    response = as_(api_client, NeighbourFactory()).post(reverse("api:session-signup", args=[session.pk]))

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["position"]) == ("waitlisted", 1)


def test_my_sign_up_is_404_before_signing_up_and_shown_after(api_client, session):
    person = NeighbourFactory()
    client = as_(api_client, person)
    url = reverse("api:session-signup", args=[session.pk])

    assert client.get(url).status_code == 404
    signup_create(session=session, neighbour=person)
    assert client.get(url).json()["status"] == "confirmed"


def test_cancelling_my_place_is_204_and_promotes_the_next(api_client, session):
    person, waiting = NeighbourFactory(), NeighbourFactory()
    signup_create(session=session, neighbour=person)
    signup_create(session=session, neighbour=waiting)

    response = as_(api_client, person).delete(reverse("api:session-signup", args=[session.pk]))

    assert response.status_code == 204
    assert SignUp.objects.get(neighbour=waiting).status == "confirmed"


def test_signing_up_for_a_past_session_is_409(api_client, session):
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(hours=3),
                                                 ends_at=timezone.now() - timedelta(hours=1))

    response = as_(api_client, NeighbourFactory()).post(reverse("api:session-signup", args=[session.pk]))

    assert response.status_code == 409
    assert "over" in response.json()["detail"]


def test_lowering_capacity_below_the_seated_is_409(api_client, session, coordinator):
    signup_create(session=session, neighbour=NeighbourFactory())

    response = as_(api_client, coordinator).patch(reverse("api:session-detail", args=[session.pk]), {"capacity": 0})
    assert response.status_code == 400  # zero seats is bad input before it is a conflict
    session_two = group_session(offer=session.offer, capacity=2)
    for _ in range(2):
        signup_create(session=session_two, neighbour=NeighbourFactory())
    response = as_(api_client, coordinator).patch(reverse("api:session-detail", args=[session_two.pk]),
                                                  {"capacity": 1})

    assert response.status_code == 409
    assert "2 people already have a seat" in response.json()["detail"]


def test_only_organisers_edit_or_cancel_a_session(api_client, session, coordinator):
    stranger = as_(api_client, NeighbourFactory())
    url = reverse("api:session-detail", args=[session.pk])

    assert stranger.patch(url, {"place": "Elsewhere"}).status_code == 403
    assert stranger.delete(url).status_code == 403
    assert as_(api_client, coordinator).delete(url).status_code == 204
    session.refresh_from_db()
    assert session.status == "cancelled"


def test_organisers_list_sign_ups_with_positions_and_others_get_403(api_client, session, coordinator):
    signup_create(session=session, neighbour=NeighbourFactory())
    signup_create(session=session, neighbour=NeighbourFactory())
    url = reverse("api:session-signups", args=[session.pk])

    body = as_(api_client, coordinator).get(url).json()

    assert [(row["status"], row["position"]) for row in body["results"]] == [("confirmed", 1), ("waitlisted", 1)]
    assert as_(api_client, NeighbourFactory()).get(url).status_code == 403


def test_a_coordinator_signs_up_a_person_by_name_and_phone(api_client, session, coordinator, association):
    response = as_(api_client, coordinator).post(
        reverse("api:session-signups", args=[session.pk]),
        {"name": "Kari Nordmann", "phone": "+47 912 34 567", "organisation": association.pk},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["assisted"], body["signed_up_by"]["id"]) == ("Kari Nordmann", True, coordinator.pk)


def test_assisted_sign_up_for_an_organisation_i_do_not_coordinate_is_403(api_client, session, association):
    response = as_(api_client, NeighbourFactory()).post(
        reverse("api:session-signups", args=[session.pk]),
        {"name": "Kari Nordmann", "phone": "91234567", "organisation": association.pk},
    )

    assert response.status_code == 403


def test_organisers_mark_attendance_and_cancel_places(api_client, session, coordinator):
    signup, _ = signup_create(session=session, neighbour=NeighbourFactory())
    client = as_(api_client, coordinator)
    url = reverse("api:signup-detail", args=[signup.pk])

    marked = client.patch(url, {"attended": True})
    cancelled = client.delete(url)

    assert (marked.status_code, marked.json()["attended"]) == (200, True)
    assert cancelled.status_code == 204


def test_someone_elses_sign_up_is_404_to_a_stranger(api_client, session):
    signup, _ = signup_create(session=session, neighbour=NeighbourFactory())

    response = as_(api_client, NeighbourFactory()).delete(reverse("api:signup-detail", args=[signup.pk]))

    assert response.status_code == 404


def test_my_sessions_lists_my_upcoming_places(api_client, session):
    person = NeighbourFactory()
    signup_create(session=session, neighbour=person)

    body = as_(api_client, person).get(reverse("api:my-sessions")).json()

    assert [row["session"]["id"] for row in body["results"]] == [session.pk]
    assert body["results"][0]["position"] == 1


def test_sessions_of_a_paused_offer_are_hidden_from_strangers(api_client, offer, coordinator, session):
    help_offer_update(offer=offer, editor=coordinator, status="paused")

    assert as_(api_client, NeighbourFactory()).get(
        reverse("api:session-detail", args=[session.pk])).status_code == 404
    assert as_(api_client, coordinator).get(reverse("api:session-detail", args=[session.pk])).status_code == 200


# -- the feed --------------------------------------------------------------------------------------------------------

def feed_reader(api_client, **profile):
    reader = neighbour_update_profile(neighbour=NeighbourFactory(), home=point(62.4722, 6.1495), reach_km=5,
                                      **profile)
    return reader, as_(api_client, reader)


def test_upcoming_sessions_nearby_appear_in_the_feed_with_time_and_seats(api_client, session):
    _reader, client = feed_reader(api_client)

    body = client.get(reverse("api:feed"), {"kind": "session"}).json()

    assert [(item["kind"], item["id"]) for item in body["results"]] == [("session", session.pk)]
    item = body["results"][0]
    assert (item["title"], item["offer"], item["seats_left"], item["category"]) == (
        "Digital Post for beginners", session.offer_id, 1, "digital"
    )
    assert item["starts_at"] is not None


def test_cancelled_and_far_away_sessions_stay_out_of_the_feed_but_followed_ones_come_from_afar(
    api_client, coordinator, association
):
    far_offer = help_offer(category="digital", location=point(62.60, 6.60))  # about 30 km away
    far = group_session(offer=far_offer)
    near_offer = help_offer(author=coordinator, organisation=association, category="digital",
                            location=point(62.7, 7.0))
    followed = group_session(offer=near_offer)
    cancelled = group_session(offer=help_offer(category="digital"))
    session_cancel(session=cancelled, by=cancelled.offer.author)
    reader, client = feed_reader(api_client)
    Follow.objects.create(neighbour=reader, organisation=association)

    body = client.get(reverse("api:feed"), {"kind": "session"}).json()

    found = {item["id"] for item in body["results"]}
    assert followed.pk in found
    assert far.pk not in found
    assert cancelled.pk not in found


def test_the_home_page_feed_shows_sessions(client, session):
    reader = neighbour_update_profile(neighbour=NeighbourFactory(), home=point(62.4722, 6.1495))
    client.force_login(reader)

    response = client.get(reverse("frontend:home"))

    assert reverse("frontend:session_detail", args=[session.pk]) in response.content.decode()
