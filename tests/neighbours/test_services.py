import re

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.exceptions import ValidationError

from neighbours import services
from neighbours.models import Membership, Neighbour
from tests.factories import PASSWORD, NeighbourFactory

pytestmark = pytest.mark.django_db

BASE = "http://dugnad.test"


@pytest.fixture
def register(django_capture_on_commit_callbacks):
    """Registers like the API does, running the after-commit e-mail."""

    def register(**overrides):
        fields = {"email": "Kari@Example.org", "password": PASSWORD, "display_name": "Kari", "language": "nb"}
        with django_capture_on_commit_callbacks(execute=True):
            return services.neighbour_register(**{**fields, **overrides}, base_url=BASE)

    return register


def test_registration_creates_an_unverified_account_with_a_lower_case_email_and_sends_a_verification_link(register):
    neighbour = register()

    assert neighbour.email == "kari@example.org"
    assert neighbour.check_password(PASSWORD)
    assert not neighbour.email_verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kari@example.org"]
    assert re.search(r"http://dugnad\.test/verify/\S+/", mail.outbox[0].body)


def test_registering_a_taken_address_creates_nothing_and_tells_the_owner_instead(register):
    existing = NeighbourFactory(email="kari@example.org")

    result = register(email="KARI@example.org", password="another long passphrase")

    assert result is None
    assert Neighbour.objects.count() == 1
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)
    assert len(mail.outbox) == 1
    assert "already have one" in mail.outbox[0].body


def test_registration_rejects_a_weak_password_and_stores_nothing(register):
    with pytest.raises(ValidationError):
        register(password="12345")

    assert not Neighbour.objects.exists()
    assert mail.outbox == []


def test_welcome_mail_is_written_in_the_neighbours_language(register):
    register(language="en")

    assert mail.outbox[0].subject == "Welcome to Dugnad"


def test_verification_link_marks_the_address_verified(register):
    neighbour = register()
    token = services.email_verification_token(neighbour)

    services.neighbour_verify_email(token=token)

    neighbour.refresh_from_db()
    assert neighbour.email_verified


@pytest.mark.parametrize("token", ["", "garbage", "1:someone@example.org:forged"])
def test_a_forged_verification_link_is_refused(token, register):
    register()

    with pytest.raises(services.InvalidVerificationLink):
        services.neighbour_verify_email(token=token)


def test_a_verification_link_for_an_old_address_is_refused(register):
    neighbour = register()
    token = services.email_verification_token(neighbour)
    Neighbour.objects.filter(pk=neighbour.pk).update(email="new@example.org")

    with pytest.raises(services.InvalidVerificationLink):
        services.neighbour_verify_email(token=token)


def test_an_expired_verification_link_is_refused(settings, register):
    neighbour = register()
    token = services.email_verification_token(neighbour)
    settings.DUGNAD_EMAIL_VERIFICATION_MAX_AGE = -1

    with pytest.raises(services.InvalidVerificationLink):
        services.neighbour_verify_email(token=token)


def test_unverified_neighbours_may_post_only_where_verification_is_off(settings):
    neighbour = NeighbourFactory(email_verified_at=None)

    settings.DUGNAD_REQUIRE_EMAIL_VERIFICATION = True
    assert not neighbour.may_post
    settings.DUGNAD_REQUIRE_EMAIL_VERIFICATION = False
    assert neighbour.may_post


def test_setting_a_home_stores_its_approximation_and_clearing_it_clears_both():
    neighbour = NeighbourFactory()

    services.neighbour_update_profile(neighbour=neighbour, home=Point(6.1563, 62.4768, srid=4326))
    neighbour.refresh_from_db()
    assert neighbour.home_approx is not None
    assert neighbour.home_approx != neighbour.home

    services.neighbour_update_profile(neighbour=neighbour, home=None)
    neighbour.refresh_from_db()
    assert neighbour.home is None
    assert neighbour.home_approx is None


def test_profile_update_validates_the_model():
    neighbour = NeighbourFactory()

    with pytest.raises(ValidationError):
        services.neighbour_update_profile(neighbour=neighbour, reach_km=0)


def test_token_obtain_gives_one_stable_token_per_neighbour():
    neighbour = NeighbourFactory(email="ola@example.org")

    first = services.token_obtain(email="OLA@example.org", password=PASSWORD)
    second = services.token_obtain(email="ola@example.org", password=PASSWORD)

    assert first.key == second.key
    assert first.user == neighbour


@pytest.mark.parametrize(("email", "password"), [("ola@example.org", "wrong"), ("nobody@example.org", PASSWORD)])
def test_token_obtain_refuses_bad_credentials_without_saying_which_part_is_wrong(email, password):
    NeighbourFactory(email="ola@example.org")

    with pytest.raises(services.InvalidCredentials):
        services.token_obtain(email=email, password=password)


def test_inactive_neighbours_get_no_token():
    NeighbourFactory(email="gone@example.org", is_active=False)

    with pytest.raises(services.InvalidCredentials):
        services.token_obtain(email="gone@example.org", password=PASSWORD)


def test_organisation_creator_becomes_its_admin():
    founder = NeighbourFactory()

    organisation = services.organisation_create(created_by=founder, name="Hessa BK", kind="club")

    membership = Membership.objects.get(organisation=organisation)
    assert membership.neighbour == founder
    assert membership.role == Membership.Role.ADMIN
    assert membership.may_act_for_organisation


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_registrations_of_one_address_create_one_account_and_neither_fails():
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            outcomes.append(
                services.neighbour_register(
                    email="twin@example.org", password=PASSWORD, display_name="Twin", base_url=BASE
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == 2
    assert Neighbour.objects.filter(email="twin@example.org").count() == 1
