"""Guards the stack against the traps of this project's layout (see STACK-NOTES / docs/architecture.md)."""

from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def test_requests_is_the_project_package_and_drf_treats_the_library_as_absent():
    from rest_framework import compat

    import requests

    assert Path(requests.__file__).resolve().parent == ROOT / "requests"
    assert compat.requests is None


def test_drf_test_client_imports_despite_the_shadowing_package():
    from rest_framework.test import APIClient

    assert APIClient().get("/healthz").status_code == 200


@pytest.mark.django_db
def test_openapi_schema_lists_the_contract_endpoints(api_client):
    response = api_client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/me/"):
        assert path in paths


@pytest.mark.django_db
def test_api_docs_page_loads(client):
    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_geodjango_finds_gdal_and_geos():
    from django.contrib.gis.gdal import gdal_version
    from django.contrib.gis.geos import geos_version

    assert gdal_version()
    assert geos_version()


def test_the_openapi_schema_generates_without_warnings_and_validates():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )

    assert result.returncode == 0, result.stderr
