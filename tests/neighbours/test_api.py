import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from neighbours.models import Neighbour
from tests.factories import PASSWORD, NeighbourFactory

pytestmark = pytest.mark.django_db

REGISTER = reverse("api:register")
TOKEN = reverse("api:token")
ME = reverse("api:me")


def test_register_answers_201_and_creates_the_account(api_client):
    response = api_client.post(
        REGISTER, {"email": "Ny@Example.org", "password": PASSWORD, "display_name": "Ny Nabo"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["email"] == "ny@example.org"
    assert Neighbour.objects.filter(email="ny@example.org", display_name="Ny Nabo").exists()


def test_registering_a_taken_address_answers_exactly_like_a_new_one(api_client):
    NeighbourFactory(email="taken@example.org")
    new = api_client.post(REGISTER, {"email": "free@example.org", "password": PASSWORD, "display_name": "A"})
    taken = api_client.post(REGISTER, {"email": "taken@example.org", "password": PASSWORD, "display_name": "B"})

    assert (taken.status_code, taken.json()["detail"]) == (new.status_code, new.json()["detail"])
    assert Neighbour.objects.filter(email="taken@example.org").count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"email", "password", "display_name"}),
        ({"email": "not-an-address", "password": PASSWORD, "display_name": "A"}, {"email"}),
        ({"email": "a@example.org", "password": "short", "display_name": "A"}, {"password"}),
        ({"email": "a@example.org", "password": PASSWORD, "display_name": ""}, {"display_name"}),
        ({"email": "a@example.org", "password": PASSWORD, "display_name": "A", "language": "xx"}, {"language"}),
    ],
)
def test_register_rejects_bad_input_with_field_errors(api_client, body, fields):
    response = api_client.post(REGISTER, body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not Neighbour.objects.exists()


def test_register_rejects_a_body_that_is_not_an_object(api_client):
    response = api_client.post(REGISTER, "[1, 2]", content_type="application/json")

    assert response.status_code == 400


def test_registration_is_rate_limited_per_client(api_client, settings):
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "register": "2/hour"}
    for n in range(2):
        api_client.post(REGISTER, {"email": f"r{n}@example.org", "password": PASSWORD, "display_name": "R"})

    response = api_client.post(REGISTER, {"email": "r9@example.org", "password": PASSWORD, "display_name": "R"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not Neighbour.objects.filter(email="r9@example.org").exists()


def test_token_is_issued_for_correct_credentials_and_authenticates_the_api(api_client):
    neighbour = NeighbourFactory(email="kari@example.org")

    response = api_client.post(TOKEN, {"email": "kari@example.org", "password": PASSWORD})

    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(key=key).user == neighbour
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(ME).json()["id"] == neighbour.pk


def test_wrong_password_and_unknown_address_get_the_same_answer(api_client):
    NeighbourFactory(email="kari@example.org")

    wrong_password = api_client.post(TOKEN, {"email": "kari@example.org", "password": "nope"})
    unknown = api_client.post(TOKEN, {"email": "nobody@example.org", "password": PASSWORD})

    assert wrong_password.status_code == unknown.status_code == 400
    assert wrong_password.json() == unknown.json()
    assert "non_field_errors" in unknown.json()


def test_token_requires_both_fields(api_client):
    response = api_client.post(TOKEN, {"email": "kari@example.org"})

    assert response.status_code == 400
    assert set(response.json()) == {"password"}


def test_login_attempts_for_one_account_are_throttled_with_retry_after(api_client, settings):
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "login_email": "3/min"}
    NeighbourFactory(email="kari@example.org")
    for _ in range(3):
        assert api_client.post(TOKEN, {"email": "kari@example.org", "password": "guess"}).status_code == 400

    response = api_client.post(TOKEN, {"email": "KARI@example.org", "password": PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_rate_limits_can_be_switched_off_for_load_tests(api_client, settings):
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "login_email": "1/min"}
    settings.DUGNAD_RATE_LIMITS_ON = False
    NeighbourFactory(email="kari@example.org")

    statuses = {api_client.post(TOKEN, {"email": "kari@example.org", "password": "x"}).status_code for _ in range(3)}

    assert statuses == {400}


def test_deleting_the_token_logs_the_api_client_out(authed_client, token):
    assert authed_client.delete(TOKEN).status_code == 204

    assert not Token.objects.filter(key=token.key).exists()
    assert authed_client.get(ME).status_code == 401


def test_me_requires_authentication(api_client):
    assert api_client.get(ME).status_code == 401


def test_me_shows_my_profile_with_my_exact_home(authed_client, neighbour):
    response = authed_client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == neighbour.pk
    assert body["email"] == neighbour.email
    assert body["home"] is None
    assert body["may_post"] is True


def test_patch_me_sets_home_from_a_point_and_derives_the_approximate_point(authed_client):
    response = authed_client.patch(ME, {"home": {"lat": 62.4768, "lon": 6.1563}, "reach_km": 7}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["home"] == {"lat": 62.4768, "lon": 6.1563}
    assert body["home_approximate"] != body["home"]
    assert abs(body["home_approximate"]["lat"] - 62.4768) < 0.003
    assert body["reach_km"] == 7


def test_patch_me_sets_home_from_an_address_in_the_gazetteer(authed_client):
    from django.contrib.gis.geos import Point

    from geo.models import Place

    Place.objects.create(name="Kongens gate 1", municipality="Ålesund", point=Point(6.1519, 62.4718, srid=4326))

    response = authed_client.patch(ME, {"home_address": "kongens gate 1, ålesund"}, format="json")

    assert response.status_code == 200
    assert response.json()["home"] == {"lat": 62.4718, "lon": 6.1519}


def test_patch_me_with_an_unknown_address_is_a_field_error_and_changes_nothing(authed_client, neighbour):
    response = authed_client.patch(ME, {"home_address": "Nowhere Street 999", "display_name": "X"}, format="json")

    assert response.status_code == 400
    assert "home_address" in response.json()
    neighbour.refresh_from_db()
    assert neighbour.display_name != "X"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"home": {"lat": 91, "lon": 6}}, "home"),
        ({"home": {"lat": "north", "lon": 6}}, "home"),
        ({"home": [62.4, 6.1]}, "home"),
        ({"home": {"lat": 62.4, "lon": 6.1}, "home_address": "Storgata 12"}, "home_address"),
        ({"reach_km": 0}, "reach_km"),
        ({"language": "de"}, "language"),
        ({"display_name": "x" * 81}, "display_name"),
    ],
)
def test_patch_me_rejects_bad_input_with_field_errors(authed_client, body, field):
    response = authed_client.patch(ME, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_patch_me_can_forget_the_home(authed_client):
    authed_client.patch(ME, {"home": {"lat": 62.47, "lon": 6.15}}, format="json")

    response = authed_client.patch(ME, {"home": None}, format="json")

    assert response.json()["home"] is None
    assert response.json()["home_approximate"] is None


def test_patch_me_sets_interests_and_how_often_i_hear_about_new_posts(authed_client, neighbour):
    response = authed_client.patch(ME, {"interests": ["garden", "digital"], "notify_frequency": "weekly"},
                                   format="json")

    assert response.status_code == 200
    assert sorted(response.json()["interests"]) == ["digital", "garden"]
    assert response.json()["notify_frequency"] == "weekly"


@pytest.mark.parametrize(
    "body", [{"interests": ["gardening"]}, {"interests": "garden"}, {"notify_frequency": "hourly"}]
)
def test_patch_me_rejects_unknown_interests_and_frequencies(authed_client, body):
    response = authed_client.patch(ME, body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == set(body)
