import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from neighbours.models import Neighbour
from tests.factories import PASSWORD, NeighbourFactory

pytestmark = pytest.mark.django_db


def test_home_page_invites_an_anonymous_visitor_to_register(client):
    response = client.get(reverse("frontend:home"))

    assert response.status_code == 200
    assert 'lang="en"' in response.text
    assert reverse("frontend:register") in response.text


def test_home_page_follows_accept_language(client):
    response = client.get(reverse("frontend:home"), HTTP_ACCEPT_LANGUAGE="nb-NO,nb;q=0.9")

    assert 'lang="nb"' in response.text
    assert "Naboer som hjelper naboer" in response.text


def test_home_page_greets_a_logged_in_neighbour_by_name(client):
    client.force_login(NeighbourFactory(display_name="Kari Nordmann"))

    response = client.get(reverse("frontend:home"))

    assert "Kari Nordmann" in response.text


def test_user_text_is_escaped(client):
    client.force_login(NeighbourFactory(display_name="<script>alert(1)</script>"))

    response = client.get(reverse("frontend:home"))

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_registering_through_the_form_creates_the_account(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("frontend:register"),
            {"display_name": "Per", "email": "per@example.org", "password": PASSWORD, "language": "en"},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:registered")
    assert Neighbour.objects.filter(email="per@example.org").exists()
    assert len(mail.outbox) == 1


def test_the_register_form_shows_field_errors(client):
    response = client.post(reverse("frontend:register"), {"email": "nope", "password": "x", "language": "en"})

    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert not Neighbour.objects.exists()


def test_logging_in_sets_the_neighbours_language(client):
    NeighbourFactory(email="ingrid@example.org", language="nn")

    response = client.post(reverse("frontend:login"), {"username": "Ingrid@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nn"


def test_a_wrong_password_is_refused_with_a_message_that_does_not_reveal_the_account(client):
    NeighbourFactory(email="ingrid@example.org")

    wrong = client.post(reverse("frontend:login"), {"username": "ingrid@example.org", "password": "nope"})
    unknown = client.post(reverse("frontend:login"), {"username": "nobody@example.org", "password": "nope"})

    assert wrong.status_code == unknown.status_code == 200
    assert "The e-mail address or the password is not correct." in wrong.text
    assert "The e-mail address or the password is not correct." in unknown.text


def test_login_form_is_throttled_with_429(client, settings):
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "login_email": "2/min"}
    for _ in range(2):
        client.post(reverse("frontend:login"), {"username": "kari@example.org", "password": "guess"})

    response = client.post(reverse("frontend:login"), {"username": "kari@example.org", "password": "guess"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_the_verification_link_confirms_the_address(client):
    from neighbours.services import email_verification_token

    neighbour = NeighbourFactory(email_verified_at=None)

    response = client.get(reverse("frontend:verify_email", args=[email_verification_token(neighbour)]))

    assert response.status_code == 200
    neighbour.refresh_from_db()
    assert neighbour.email_verified


def test_a_broken_verification_link_says_so(client):
    response = client.get(reverse("frontend:verify_email", args=["broken"]))

    assert response.status_code == 400


def test_password_reset_sends_a_link_only_to_existing_accounts_but_answers_the_same(client):
    NeighbourFactory(email="kari@example.org")

    known = client.post(reverse("frontend:password_reset"), {"email": "kari@example.org"})
    unknown = client.post(reverse("frontend:password_reset"), {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [["kari@example.org"]]
    assert "/password-reset/" in mail.outbox[0].body


def test_profile_page_requires_login(client):
    response = client.get(reverse("frontend:profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))


def test_profile_form_saves_the_home_found_by_address(client):
    from django.contrib.gis.geos import Point

    from geo.models import Place

    Place.objects.create(name="Storgata 12", municipality="Ålesund", point=Point(6.1518, 62.4724, srid=4326))
    neighbour = NeighbourFactory()
    client.force_login(neighbour)

    response = client.post(
        reverse("frontend:profile"),
        {"display_name": "Ny", "language": "en", "reach_km": 4, "home_address": "Storgata 12", "bio": "",
         "interests": ["garden", "pets"], "notify_frequency": "daily"},
    )

    assert response.status_code == 302
    neighbour.refresh_from_db()
    assert (neighbour.home.y, neighbour.home.x) == (62.4724, 6.1518)
    assert neighbour.reach_km == 4
    assert sorted(neighbour.interests.values_list("slug", flat=True)) == ["garden", "pets"]
    assert neighbour.notify_frequency == "daily"


def test_switching_language_remembers_it_for_a_logged_in_neighbour(client):
    neighbour = NeighbourFactory(language="en")
    client.force_login(neighbour)

    response = client.post(reverse("frontend:set_language"), {"language": "da", "next": "/profile/"})

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    neighbour.refresh_from_db()
    assert neighbour.language == "da"


def test_switching_language_never_redirects_to_another_site(client):
    response = client.post(reverse("frontend:set_language"), {"language": "sv", "next": "https://evil.example/"})

    assert response["Location"] == reverse("frontend:home")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sv"


def test_the_password_reset_link_lets_the_neighbour_choose_a_new_password(client):
    import re

    neighbour = NeighbourFactory(email="kari@example.org")
    client.post(reverse("frontend:password_reset"), {"email": "kari@example.org"})
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:password_reset_complete")
    neighbour.refresh_from_db()
    assert neighbour.check_password("a brand new passphrase")


def test_logging_out_ends_the_session(client):
    client.force_login(NeighbourFactory())

    response = client.post(reverse("frontend:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
