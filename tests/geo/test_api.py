import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from geo.models import Place

pytestmark = pytest.mark.django_db

GEOCODE = reverse("api:geocode")


@pytest.fixture
def alesund_places():
    for name, lon, lat in [
        ("Kongens gate 1", 6.1519, 62.4718),
        ("Kongens gate 20", 6.1470, 62.4712),
        ("Kirkegata 4", 6.1550, 62.4705),
    ]:
        Place.objects.create(name=name, municipality="Ålesund", point=Point(lon, lat, srid=4326))


def test_geocode_requires_authentication(api_client):
    response = api_client.get(GEOCODE, {"q": "Kongens gate"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "   "}, {"q": "K"}, {"q": "  K  "}, {"q": "x" * 301}],
    ids=["missing", "empty", "blank", "one-character", "one-character-padded", "too-long"],
)
def test_geocode_refuses_a_missing_too_short_or_too_long_query_with_an_error_on_q(authed_client, params):
    response = authed_client.get(GEOCODE, params)

    assert response.status_code == 400
    assert set(response.json()) == {"q"}


def test_geocode_accepts_a_query_of_300_characters(authed_client):
    response = authed_client.get(GEOCODE, {"q": "x" * 300})

    assert response.status_code == 200


def test_geocode_lists_gazetteer_matches_best_first(authed_client, alesund_places):
    response = authed_client.get(GEOCODE, {"q": "  kongens gate 20 ålesund "})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [result["label"] for result in results[:2]] == ["Kongens gate 20, Ålesund", "Kongens gate 1, Ålesund"]
    assert "Kirkegata 4, Ålesund" not in [result["label"] for result in results]
    assert results[0] == {
        "label": "Kongens gate 20, Ålesund",
        "point": {"lat": 62.4712, "lon": 6.147},
        "source": "gazetteer",
    }


def test_geocode_returns_at_most_five_results(authed_client):
    for number in range(1, 8):
        Place.objects.create(name=f"Storgata {number}", municipality="Ålesund", point=Point(6.15, 62.47, srid=4326))

    response = authed_client.get(GEOCODE, {"q": "Storgata"})

    assert len(response.json()["results"]) == 5


def test_geocode_answers_an_empty_list_when_nothing_matches(authed_client, alesund_places):
    response = authed_client.get(GEOCODE, {"q": "Trondheim torg"})

    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_openapi_schema_documents_geocode(api_client):
    response = api_client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")

    operation = response.json()["paths"]["/api/v1/geo/geocode/"]["get"]
    parameter = next(parameter for parameter in operation["parameters"] if parameter["name"] == "q")
    assert parameter["required"] is True
    assert parameter["schema"]["minLength"] == 2
    assert parameter["schema"]["maxLength"] == 300
    assert {"200", "400"} <= set(operation["responses"])


def test_geocoding_is_throttled_per_neighbour(authed_client, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    # DRF reads the rates once, at import, so the test sets them on the class.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"geocode": "2/min"})
    for _ in range(2):
        assert authed_client.get(reverse("api:geocode"), {"q": "Storgata"}).status_code == 200

    response = authed_client.get(reverse("api:geocode"), {"q": "Storgata"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
