import json
import threading
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
