from pathlib import Path

import pytest
from django.urls import reverse

from geo import services
from tests.factories import NeighbourFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(services.__file__).resolve().parent / "data" / "alesund_boundary.geojson"


@pytest.fixture
def operator(client):
    client.force_login(NeighbourFactory(is_staff=True, is_superuser=True))
    return client


def test_service_area_admin_lists_the_boundary_without_its_coordinates(operator):
    services.service_area_import(path=SAMPLE)

    page = operator.get(reverse("admin:geo_servicearea_changelist"))

    assert page.status_code == 200
    assert "Ålesund" in page.text
    assert "62.56" not in page.text


def test_service_area_admin_offers_no_way_to_add_or_edit_a_boundary(operator):
    area = services.service_area_import(path=SAMPLE)

    assert operator.get(reverse("admin:geo_servicearea_add")).status_code == 403
    page = operator.get(reverse("admin:geo_servicearea_change", args=[area.pk]))
    assert page.status_code == 200
    assert 'name="boundary"' not in page.text
