import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from neighbours import services
from tests.factories import NeighbourFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(NeighbourFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "url_name", ["admin:neighbours_neighbour_changelist", "admin:neighbours_organisation_changelist",
                 "admin:geo_place_changelist", "admin:neighbours_neighbour_add"],
)
def test_operator_admin_pages_load(operator, url_name):
    assert operator.get(reverse(url_name)).status_code == 200


def test_the_admin_never_shows_a_neighbours_exact_home(operator):
    neighbour = NeighbourFactory()
    services.neighbour_update_profile(neighbour=neighbour, home=Point(6.123456, 62.654321, srid=4326))

    page = operator.get(reverse("admin:neighbours_neighbour_change", args=[neighbour.pk])).text

    assert "62.654321" not in page
    assert "6.123456" not in page


def test_organisation_admin_edits_members_inline(operator):
    organisation = OrganisationFactory()

    response = operator.get(reverse("admin:neighbours_organisation_change", args=[organisation.pk]))

    assert response.status_code == 200
    assert "memberships-TOTAL_FORMS" in response.text


def test_private_conversations_are_not_in_the_operators_admin():
    """The municipality runs the servers; its staff cannot read private threads (DESIGN §8)."""
    from django.contrib import admin

    from chat.models import Message, Participant, Thread

    assert not {Message, Thread, Participant} & set(admin.site._registry)
