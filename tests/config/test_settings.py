import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import database_from_url


def test_database_url_keeps_connections_by_default():
    db = database_from_url("postgis://u:p%40ss@db.example:5433/dugnad")

    parts = (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"])
    assert parts == ("dugnad", "u", "p@ss", "db.example", "5433")
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True
    assert "pool" not in db["OPTIONS"]


def test_database_url_can_ask_for_a_connection_pool():
    db = database_from_url("postgis://u:p@h/d?pool=1&pool_max=40&pool_timeout=2")

    assert db["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 40, "timeout": 2.0}
    assert db["CONN_MAX_AGE"] == 0
    assert db["CONN_HEALTH_CHECKS"] is True  # the pool checks a connection before lending it


def test_database_url_must_be_postgis():
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://u:p@h/d")
