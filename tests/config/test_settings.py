import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import database_from_url
from tests.live import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parent.parent.parent


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


def test_database_url_pool_can_be_on_by_default_and_still_be_turned_off():
    pooled = database_from_url("postgis://u:p@h/d?pool_max=30", pool_by_default=True)
    unpooled = database_from_url("postgis://u:p@h/d?pool=0", pool_by_default=True)

    assert pooled["OPTIONS"]["pool"]["max_size"] == 30
    assert pooled["CONN_MAX_AGE"] == 0
    assert "pool" not in unpooled["OPTIONS"]
    assert unpooled["CONN_MAX_AGE"] == 60


def _production_setting(expression, **env):
    code = f"import django; django.setup(); from django.conf import settings; print(repr({expression}))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, **PRODUCTION_ENV, **env},
    )
    return ast.literal_eval(result.stdout.strip())


def test_production_pools_database_connections_unless_the_url_says_pool_0():
    url = "postgis://u:p@db.example:5432/dugnad"

    pooled = _production_setting("settings.DATABASES['default']['OPTIONS'].get('pool')", DATABASE_URL=url)
    unpooled = _production_setting("settings.DATABASES['default']['OPTIONS'].get('pool')",
                                   DATABASE_URL=f"{url}?pool=0")

    assert pooled == {"min_size": 2, "max_size": 20, "timeout": 3.0}
    assert unpooled is None


def test_production_collects_static_files_with_hashed_names_into_the_configured_root():
    storage = _production_setting("settings.STORAGES['staticfiles']['BACKEND']")
    root = _production_setting("str(settings.STATIC_ROOT)", DUGNAD_STATIC_ROOT="/srv/static")

    assert storage == "config.storage.HashedStaticFilesStorage"
    assert root == "/srv/static"
