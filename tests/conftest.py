import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, NeighbourFactory, moderator


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and geocoding results never leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def neighbour(db):
    return NeighbourFactory()


@pytest.fixture
def mia(db):
    """Mia, a neighbour the operator made a moderator."""
    return moderator()


@pytest.fixture
def ann(db):
    """Two neighbours by name, for tests where two people deal with each other (chat, blocks)."""
    return NeighbourFactory(display_name="Ann")


@pytest.fixture
def bob(db):
    return NeighbourFactory(display_name="Bob")


@pytest.fixture
def token(neighbour):
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=neighbour)


@pytest.fixture
def authed_client(api_client, token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


@pytest.fixture
def password():
    return PASSWORD


# A seniors' association's course, the setting of the session tests (offers/, pages, API).
@pytest.fixture
def coordinator(db):
    """Cora, coordinator of the seniors' association below."""
    return NeighbourFactory(display_name="Coordinator Cora")


@pytest.fixture
def association(coordinator):
    from tests.factories import seniors_association

    return seniors_association(coordinators=[coordinator], name="Aspøy Seniorforening")


@pytest.fixture
def offer(association, coordinator):
    """The association's "Digital Post for beginners" offer, posted by its coordinator (sessions belong to it)."""
    from tests.factories import help_offer

    return help_offer(author=coordinator, organisation=association, category="digital",
                      title="Digital Post for beginners")


@pytest.fixture
def club_deal(ann, bob):
    """Ann (coordinator of a club) asked for weekly mowing; Bob (admin of a contractor) helps: a recurring agreement
    between two organisations."""
    from neighbours.models import Membership
    from tests.factories import MembershipFactory, OrganisationFactory, agreement

    club, firm = OrganisationFactory(name="Hessa BK"), OrganisationFactory(name="Plen AS")
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.COORDINATOR)
    MembershipFactory(organisation=firm, neighbour=bob, role=Membership.Role.ADMIN)
    return agreement(requester=ann, helper=bob, organisation=club, helper_organisation=firm)
