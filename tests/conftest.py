import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, NeighbourFactory


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
