import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from geo.models import Place
from neighbours.models import Membership, Neighbour, Organisation
from offers.models import HelpOffer
from requests.models import HelpRequest
from tests.live import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_load_demo_builds_the_alesund_neighbourhood_and_running_it_again_changes_nothing():
    def counts():
        return [model.objects.count() for model in (Neighbour, Organisation, Membership, Place, HelpRequest, HelpOffer)]

    call_command("load_demo", verbosity=0)
    first = counts()
    call_command("load_demo", verbosity=0)

    assert counts() == first
    assert len({r.category_id for r in HelpRequest.objects.all()}) >= 5
    assert HelpOffer.objects.filter(organisation__isnull=False).count() >= 2
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert {"club", "contractor", "seniors_association"} <= kinds
    kari = Neighbour.objects.get(email="kari@demo.dugnad.test")
    assert kari.check_password("dugnad-demo")
    assert kari.home is not None
    assert kari.home_approx is not None


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
        timeout=120, check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in {**os.environ, **PRODUCTION_ENV}.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_load_demo_refuses_to_run_under_production_settings():
    result = _manage("load_demo", **PRODUCTION_ENV)

    assert result.returncode != 0
    assert "production" in result.stderr
