import csv
import io
import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from geo import services
from geo.models import ServiceArea

pytestmark = pytest.mark.django_db

DATA = Path(services.__file__).resolve().parent / "data"
ALESUND_SENTRUM = Point(6.1496, 62.4723, srid=4326)
OSLO = Point(10.75, 59.91, srid=4326)

# Two squares sharing the edge lon = 1, and one far away.
WEST = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
EAST = [[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]
FAR = [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]]


def polygon(coordinates):
    return {"type": "Polygon", "coordinates": coordinates}


def feature(geometry, **properties):
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture
def geojson_file(tmp_path):
    def write(content, name="boundary.geojson"):
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        return path

    return write


@pytest.fixture
def alesund():
    return services.service_area_import(path=DATA / "alesund_boundary.geojson")


def test_import_of_a_bare_polygon_saves_it_as_a_multipolygon_named_after_the_file(geojson_file):
    area = services.service_area_import(path=geojson_file(polygon(WEST), name="harbour.geojson"))

    assert area.name == "harbour"
    assert area.boundary.geom_type == "MultiPolygon"
    assert len(area.boundary) == 1
    assert ServiceArea.objects.get().pk == area.pk


def test_import_of_a_multipolygon_keeps_its_parts(geojson_file):
    path = geojson_file(feature({"type": "MultiPolygon", "coordinates": [WEST, FAR]}, name="Islands"))

    area = services.service_area_import(path=path)

    assert area.name == "Islands"
    assert len(area.boundary) == 2


def test_import_of_a_feature_collection_merges_parts_that_share_an_edge(geojson_file):
    path = geojson_file(
        collection(feature(polygon(WEST), name="Old West"), feature(polygon(EAST)), feature(polygon(FAR)))
    )

    area = services.service_area_import(path=path, name="Merged")

    assert area.name == "Merged"
    assert len(area.boundary) == 2
    assert area.boundary.valid
    assert area.boundary.extent == (0, 0, 11, 11)


def test_import_drops_heights(geojson_file):
    with_heights = [[[x, y, 12.5] for x, y in WEST[0]]]

    area = services.service_area_import(path=geojson_file(polygon(with_heights)))

    assert not area.boundary.hasz


def test_importing_again_replaces_the_previous_boundary(geojson_file):
    services.service_area_import(path=geojson_file(polygon(WEST)), name="First")

    services.service_area_import(path=geojson_file(polygon(FAR)), name="Second")

    area = ServiceArea.objects.get()
    assert area.name == "Second"
    assert area.boundary.extent == (10, 10, 11, 11)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "not JSON"),
        ("this is not json", "not JSON"),
        ("[1, 2]", "no GeoJSON object"),
        ({"type": "Point", "coordinates": [6.15, 62.47]}, "Point, not an area"),
        (collection(feature(polygon(WEST)), feature({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})),
         "Geometry 2 is a LineString"),
        (polygon([[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]), "not a valid polygon: Self-intersection"),
        (collection(), "empty"),
        ({"type": "MultiPolygon", "coordinates": []}, "Geometry 1 is empty"),
        (polygon([[[0, 0], [1, 0]]]), "not valid GeoJSON"),
        (feature(None), "has no geometry"),
        (polygon([[[0, 0], [200, 0], [200, 1], [0, 1], [0, 0]]]), "outside longitude"),
    ],
    ids=["empty-file", "not-json", "not-an-object", "point", "line-in-collection", "self-intersecting",
         "empty-collection", "empty-multipolygon", "unclosed-ring", "feature-without-geometry", "out-of-range"],
)
def test_a_bad_file_is_refused_and_nothing_is_saved(geojson_file, content, message):
    with pytest.raises(services.ServiceAreaImportError, match=message):
        services.service_area_import(path=geojson_file(content))

    assert not ServiceArea.objects.exists()


def test_a_refused_file_leaves_the_previous_boundary_in_place(geojson_file, alesund):
    with pytest.raises(services.ServiceAreaImportError):
        services.service_area_import(path=geojson_file({"type": "Point", "coordinates": [0, 0]}))

    assert ServiceArea.objects.get().name == "Ålesund"


def test_without_a_boundary_every_place_is_allowed():
    assert services.check_inside_service_area(OSLO) is None


def test_a_point_in_alesund_sentrum_is_inside_the_sample_boundary(alesund):
    assert services.check_inside_service_area(ALESUND_SENTRUM) is None


def test_every_sample_place_is_inside_the_sample_boundary(alesund):
    with open(DATA / "alesund_places.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            services.check_inside_service_area(Point(float(row["lon"]), float(row["lat"]), srid=4326))


def test_a_point_in_oslo_is_refused_on_location_naming_the_area(alesund):
    with pytest.raises(ValidationError) as refused:
        services.check_inside_service_area(OSLO)

    assert refused.value.message_dict == {
        "location": ["This place is outside the area Dugnad serves (Ålesund)."]
    }
    assert refused.value.error_dict["location"][0].code == "outside_service_area"


def test_a_point_on_the_boundary_counts_as_inside(geojson_file):
    services.service_area_import(path=geojson_file(polygon(WEST)))

    assert services.check_inside_service_area(Point(0, 0.5, srid=4326)) is None


def test_import_boundary_command_imports_and_reports(geojson_file):
    out = io.StringIO()

    call_command("import_boundary", str(geojson_file(polygon(WEST))), "--name", "Harbour", stdout=out)

    assert ServiceArea.objects.get().name == "Harbour"
    assert 'Service area "Harbour" imported (1 polygon)' in out.getvalue()


def test_import_boundary_command_loads_the_sample():
    call_command("import_boundary", str(DATA / "alesund_boundary.geojson"), verbosity=0)

    assert ServiceArea.objects.get().name == "Ålesund"


def test_import_boundary_command_reports_a_bad_file(geojson_file):
    with pytest.raises(CommandError, match="not an area"):
        call_command("import_boundary", str(geojson_file({"type": "Point", "coordinates": [0, 0]})))

    assert not ServiceArea.objects.exists()


def test_import_boundary_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_boundary", str(tmp_path / "missing.geojson"))
