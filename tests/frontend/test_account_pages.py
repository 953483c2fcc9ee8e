"""Pages about one's own data: the privacy page, "My data" with its download, and deleting the account."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from neighbours.models import Membership, Neighbour
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(response.content.decode().split())


@pytest.fixture
def logged_in_ann(client, ann):
    client.force_login(ann)
    return ann


def test_the_privacy_page_is_public_and_linked_from_the_footer(client):
    """Anyone can read the privacy page; every page's footer links to it."""
    response = client.get(reverse("frontend:privacy"))

    assert response.status_code == 200
    assert f'href="{reverse("frontend:privacy")}"' in client.get(reverse("frontend:home")).content.decode()


def test_the_privacy_page_shows_the_configured_numbers(client, settings):
    """The retention periods, invitation days, e-mail delay and grid size on the page are the running settings."""
    settings.DUGNAD_RETENTION_CLOSED_REQUEST_DAYS = 123
    settings.DUGNAD_RETENTION_THREAD_DAYS = 456
    settings.DUGNAD_RETENTION_NOTIFICATION_DAYS = 78
    settings.DUGNAD_INVITATION_DAYS = 9
    settings.DUGNAD_UNREAD_EMAIL_AFTER_MINUTES = 45

    page = text(client.get(reverse("frontend:privacy")))

    assert "deleted 123 days after the last change" in page
    assert "nobody has written in it for 456 days" in page
    assert "deleted 78 days after you read them" in page
    assert "can be used for 9 days" in page
    assert "waits unread for 45 minutes" in page
    assert "about 250 metres" in page


def test_the_privacy_page_names_the_operator_when_configured(client, settings):
    settings.DUGNAD_OPERATOR_CONTACT = "personvern@molde.kommune.no"

    assert "personvern@molde.kommune.no" in text(client.get(reverse("frontend:privacy")))


def test_the_privacy_page_without_an_operator_contact_says_whom_to_ask(client, settings):
    settings.DUGNAD_OPERATOR_CONTACT = ""

    assert "Ask the people who run this service in your municipality." in text(client.get(reverse("frontend:privacy")))


def test_my_data_page_offers_the_download(client, logged_in_ann):
    page = client.get(reverse("frontend:my_data"))

    assert page.status_code == 200
    assert reverse("frontend:my_data_download") in page.content.decode()


def test_my_data_needs_a_login(client):
    response = client.get(reverse("frontend:my_data"))

    assert response.status_code == 302
    assert reverse("frontend:login") in response["Location"]


def test_the_download_is_the_session_users_export_as_a_file(client, logged_in_ann):
    """The download is a JSON attachment with the logged-in neighbour's data."""
    response = client.get(reverse("frontend:my_data_download"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="dugnad-export-{today}.json"'
    assert json.loads(response.content)["profile"]["email"] == logged_in_ann.email


def test_the_profile_links_to_my_data_and_deletion(client, logged_in_ann):
    page = client.get(reverse("frontend:profile")).content.decode()

    assert reverse("frontend:my_data") in page
    assert reverse("frontend:account_delete") in page


def test_the_delete_page_explains_what_happens(client, logged_in_ann):
    page = text(client.get(reverse("frontend:account_delete")))

    assert "This cannot be undone." in page
    assert "Deleted user" in page


def test_deleting_with_the_password_erases_and_logs_out(client, logged_in_ann):
    """With the right password the account is gone, the session is flushed and the front page says so."""
    response = client.post(reverse("frontend:account_delete"), {"password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("frontend:home")
    assert "Your account has been deleted." in text(response)
    assert not Neighbour.objects.filter(pk=logged_in_ann.pk).exists()
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_keeps_the_account(client, logged_in_ann):
    response = client.post(reverse("frontend:account_delete"), {"password": "wrong"})

    assert response.status_code == 200
    assert "The password is not correct." in text(response)
    assert Neighbour.objects.filter(pk=logged_in_ann.pk).exists()


def test_the_last_admin_is_told_to_hand_over_first(client, logged_in_ann, bob):
    club = OrganisationFactory(name="Rowing club")
    MembershipFactory(organisation=club, neighbour=logged_in_ann, role=Membership.Role.ADMIN)
    MembershipFactory(organisation=club, neighbour=bob)

    response = client.post(reverse("frontend:account_delete"), {"password": PASSWORD})

    assert response.status_code == 200
    assert "You are the only administrator of “Rowing club”" in text(response)
    assert Neighbour.objects.filter(pk=logged_in_ann.pk).exists()


def test_password_guesses_on_the_delete_page_are_limited(client, logged_in_ann, settings):
    """Wrong passwords on the delete page count as login attempts on the account: past the limit, 429."""
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "login_email": "2/min"}
    answers = [client.post(reverse("frontend:account_delete"), {"password": "guess"}).status_code for _n in range(3)]

    assert answers == [200, 200, 429]
    assert Neighbour.objects.filter(pk=logged_in_ann.pk).exists()
