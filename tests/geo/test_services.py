import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from geo import services
from geo.models import Place

pytestmark = pytest.mark.django_db


class _NominatimHandler(BaseHTTPRequestHandler):
    """A Nominatim-compatible /search endpoint knowing one address."""

    queries = []

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query).get("q", [""])[0]
        type(self).queries.append(query)
        results = []
        if url.path == "/search" and query.lower() == "dam 1, amsterdam":
            results = [{"lat": "52.373095", "lon": "4.8926", "display_name": "Dam 1, Amsterdam, Nederland"}]
        body = json.dumps(results).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim(settings):
    _NominatimHandler.queries = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NominatimHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.DUGNAD_GEOCODER_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield _NominatimHandler
    server.shutdown()
    server.server_close()


def test_gazetteer_finds_an_address_despite_case_and_small_typos():
    Place.objects.create(name="Apotekergata 5", municipality="Ålesund", point=Point(6.1544, 62.4727, srid=4326))

    result = services.geocode("apotekergata 5 alesund")

    assert result.source == "gazetteer"
    assert result.label == "Apotekergata 5, Ålesund"
    assert (result.point.x, result.point.y) == (6.1544, 62.4727)


def test_unknown_place_without_a_geocoding_service_is_not_found():
    assert services.geocode("Somewhere that does not exist") is None


def test_blank_query_is_not_found():
    assert services.geocode("   ") is None


def test_geocoder_service_is_asked_through_geopy_when_the_gazetteer_has_no_match(nominatim):
    result = services.geocode("Dam 1, Amsterdam")

    assert result.source == "nominatim"
    assert result.label == "Dam 1, Amsterdam, Nederland"
    assert (result.point.y, result.point.x) == (52.373095, 4.8926)


def test_geocoding_results_are_cached(nominatim):
    services.geocode("Dam 1, Amsterdam")
    services.geocode("dam 1,  amsterdam")

    assert nominatim.queries == ["Dam 1, Amsterdam"]


def test_an_unreachable_geocoding_service_means_not_found(settings):
    from tests.live import free_port

    settings.DUGNAD_GEOCODER_URL = f"http://127.0.0.1:{free_port()}"

    assert services.geocode("Dam 1, Amsterdam") is None


def test_import_places_loads_csv_and_importing_again_updates_in_place(tmp_path):
    csv_file = tmp_path / "places.csv"
    csv_file.write_text("name,lat,lon,kind,municipality\nStorgata 12,62.4724,6.1518,address,Ålesund\n")

    call_command("import_places", str(csv_file))
    csv_file.write_text("name,lat,lon,kind,municipality\nStorgata 12,62.4725,6.1519,address,Ålesund\n")
    call_command("import_places", str(csv_file))

    place = Place.objects.get()
    assert (place.point.y, place.point.x) == (62.4725, 6.1519)


def test_import_places_loads_geojson_points(tmp_path):
    geojson = tmp_path / "places.geojson"
    geojson.write_text(json.dumps({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.96, 69.65]},
             "properties": {"name": "Tromsø sentrum", "municipality": "Tromsø", "kind": "area"}},
        ],
    }))

    call_command("import_places", str(geojson))

    assert Place.objects.get().label == "Tromsø sentrum, Tromsø"


def test_import_places_refuses_a_bad_row_and_saves_nothing(tmp_path):
    csv_file = tmp_path / "places.csv"
    csv_file.write_text("name,lat,lon\nGood,62.47,6.15\nBad,north,6.15\n")

    with pytest.raises(CommandError, match="entry 2"):
        call_command("import_places", str(csv_file))

    assert not Place.objects.exists()


def test_candidates_list_several_gazetteer_matches_best_first():
    for name, lon in [("Kongens gate 1", 6.1519), ("Kongens gate 20", 6.1470), ("Kirkegata 4", 6.1550)]:
        Place.objects.create(name=name, municipality="Ålesund", point=Point(lon, 62.47, srid=4326))

    results = services.geocode_candidates("kongens gate 20")

    assert [result.label for result in results] == ["Kongens gate 20, Ålesund", "Kongens gate 1, Ålesund"]
    assert {result.source for result in results} == {"gazetteer"}


def test_candidates_are_limited_and_one_cached_lookup_serves_every_limit():
    for number in range(1, 8):
        Place.objects.create(name=f"Storgata {number}", municipality="Ålesund", point=Point(6.15, 62.47, srid=4326))

    assert len(services.geocode_candidates("Storgata", limit=5)) == 5
    Place.objects.all().delete()
    assert len(services.geocode_candidates("Storgata", limit=2)) == 2


def test_candidates_refuse_a_limit_outside_one_to_five():
    with pytest.raises(ValueError, match="limit"):
        services.geocode_candidates("Storgata", limit=6)


def test_candidates_do_not_ask_the_geocoding_service_when_the_gazetteer_has_a_match(nominatim):
    Place.objects.create(name="Dam 1", municipality="Amsterdam", point=Point(4.8926, 52.3731, srid=4326))

    results = services.geocode_candidates("Dam 1, Amsterdam")

    assert [result.source for result in results] == ["gazetteer"]
    assert nominatim.queries == []


def test_candidates_fall_back_to_the_geocoding_services_single_best_answer(nominatim):
    results = services.geocode_candidates("Dam 1, Amsterdam")

    assert [(result.label, result.source) for result in results] == [("Dam 1, Amsterdam, Nederland", "nominatim")]


def test_a_lookup_within_the_minimum_delay_of_another_is_skipped_without_reaching_the_service(
    nominatim, settings, monkeypatch, caplog
):
    settings.DUGNAD_GEOCODER_MIN_DELAY = 30
    monkeypatch.setattr(services, "GEOCODER_MAX_WAIT", 0.3)
    assert services.geocode("Dam 1, Amsterdam") is not None

    second = services.geocode("Rokin 1, Amsterdam")

    assert second is None
    assert nominatim.queries == ["Dam 1, Amsterdam"]
    assert "geocoding service busy" in caplog.text
    assert "Rokin" not in caplog.text


def test_a_skipped_lookup_is_not_cached_as_a_miss(nominatim, settings, monkeypatch):
    settings.DUGNAD_GEOCODER_MIN_DELAY = 30
    monkeypatch.setattr(services, "GEOCODER_MAX_WAIT", 0.1)
    services.geocode("Rokin 1, Amsterdam")
    services.geocode("Dam 1, Amsterdam")

    settings.DUGNAD_GEOCODER_MIN_DELAY = 0
    result = services.geocode("Dam 1, Amsterdam")

    assert result.source == "nominatim"
    assert nominatim.queries == ["Rokin 1, Amsterdam", "Dam 1, Amsterdam"]


def test_a_lookup_waits_for_the_next_free_slot_when_it_comes_in_time(nominatim, settings):
    settings.DUGNAD_GEOCODER_MIN_DELAY = 1
    services.geocode("Rokin 1, Amsterdam")
    started = time.monotonic()

    result = services.geocode("Dam 1, Amsterdam")

    assert result.source == "nominatim"
    assert nominatim.queries == ["Rokin 1, Amsterdam", "Dam 1, Amsterdam"]
    assert time.monotonic() - started >= 0.5
