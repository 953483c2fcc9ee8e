"""Erasing an account: everything about the person goes, the people they dealt with keep their side (threads with
"Deleted user", the waiting list moves up), and an organisation is never left without an admin."""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse
from rest_framework.authtoken.models import Token

from chat.models import Message, Notification
from chat.services import message_send
from neighbours.data import neighbour_erase
from neighbours.models import Membership, Neighbour, Organisation
from neighbours.services import OrganisationConflict
from offers.models import SignUp
from offers.sessions import signup_create
from requests.agreements import proposal_create
from requests.models import HelpRequest
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    NeighbourFactory,
    OrganisationFactory,
    agreement,
    group_session,
    help_offer,
)
from tests.neighbours.test_export import busy_ann  # noqa: F401  (the fixture: a neighbour who did everything)

pytestmark = pytest.mark.django_db


def _rows_pointing_at(neighbour_id):
    """{model.field: count} of rows whose foreign key to the user model holds ``neighbour_id``."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model._meta.label == settings.AUTH_USER_MODEL:
                count = model._default_manager.filter(**{field.attname: neighbour_id}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    return found


def _rows_containing(text):
    """{model.field: count} of rows with ``text`` in a text or JSON column."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)):
                count = model._default_manager.filter(**{f"{field.attname}__icontains": text}).count()
            elif isinstance(field, models.JSONField):
                count = model._default_manager.annotate(as_text=Cast(field.attname, models.TextField())).filter(
                    as_text__icontains=text
                ).count()
            else:
                continue
            if count:
                found[f"{model._meta.label}.{field.name}"] = count
    return found


def _rows_at(point):
    """{model.field: count} of rows with exactly ``point`` in a geometry column."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, GeometryField):
                count = model._default_manager.filter(**{field.attname: point}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    return found


@pytest.fixture
def leaving_ann(busy_ann):  # noqa: F811
    """Busy Ann, after another admin joined the association she runs (so she may leave it)."""
    association = Organisation.objects.get(name="Aspøy Seniorforening")
    MembershipFactory(organisation=association, neighbour=NeighbourFactory(), role=Membership.Role.ADMIN)
    return busy_ann


def test_after_erasure_no_foreign_key_to_the_user_holds_their_id(leaving_ann):
    """Given a neighbour who did everything, when they erase their account, then no row of any model refers to
    their id any more."""
    ann_id = leaving_ann.pk
    assert _rows_pointing_at(ann_id)  # the walk does find rows before

    neighbour_erase(neighbour=leaving_ann, password=PASSWORD)

    assert _rows_pointing_at(ann_id) == {}
    assert not Neighbour.objects.filter(pk=ann_id).exists()


def test_after_erasure_no_text_column_holds_their_email_address_or_name(leaving_ann, bob):
    """Given Ann (also invited by e-mail, named in Bob's notifications), when she erases her account, then neither
    her address nor her name is in any text or JSON column."""
    email, name = leaving_ann.email, "Ann"
    assert _rows_containing(email)
    assert Notification.objects.filter(recipient=bob, payload__from=name).exists()

    neighbour_erase(neighbour=leaving_ann, password=PASSWORD)

    assert _rows_containing(email) == {}
    assert not Notification.objects.filter(payload__from=name).exists()
    assert Notification.objects.filter(recipient=bob, payload__from="Deleted user").exists()


def test_after_erasure_no_row_holds_their_home_or_exact_places(leaving_ann):
    """Given Ann's home is also where her posts are, when she erases her account, then no geometry holds it."""
    home = leaving_ann.home
    assert len(_rows_at(home)) > 1

    neighbour_erase(neighbour=leaving_ann, password=PASSWORD)

    assert _rows_at(home) == {}


def test_the_other_party_still_reads_the_thread_with_deleted_user(client, ann, bob):
    """Given an agreement thread where both wrote, when the helper erases his account, then the requester still
    opens the thread and sees his message under "Deleted user"."""
    deal = agreement(requester=ann, helper=bob)
    message_send(thread_id=deal.thread_id, author=bob, body="I bring the mower")
    message_send(thread_id=deal.thread_id, author=ann, body="Thanks")

    neighbour_erase(neighbour=bob, password=PASSWORD)

    client.force_login(ann)
    page = client.get(reverse("frontend:thread_detail", args=[deal.thread_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "I bring the mower" in text
    assert '<span class="chat-author">Deleted user</span>' in text
    assert Message.objects.get(body="I bring the mower").author is None


def test_the_other_party_still_reads_the_thread_through_the_api(api_client, ann, bob):
    """Given the same, then the API lists the erased person's message with no author."""
    deal = agreement(requester=ann, helper=bob)
    message_send(thread_id=deal.thread_id, author=bob, body="I bring the mower")

    neighbour_erase(neighbour=bob, password=PASSWORD)

    api_client.force_authenticate(ann)
    response = api_client.get(reverse("api:thread-messages", args=[deal.thread_id]))
    assert response.status_code == 200
    rows = response.json()
    rows = rows.get("results", rows) if isinstance(rows, dict) else rows
    mower = [row for row in rows if row["body"] == "I bring the mower"]
    assert [row["author"] for row in mower] == [None]


def test_the_requester_is_told_and_the_request_is_open_again_when_the_helper_leaves(client, ann, bob):
    """Given Bob helps with Ann's request, when Bob erases his account, then Ann's request is open again and her
    notification says the agreement ended, without Bob's name."""
    deal = agreement(requester=ann, helper=bob, title="Mow the lawn")

    neighbour_erase(neighbour=bob, password=PASSWORD)

    assert HelpRequest.objects.get(pk=deal.request_id).status == HelpRequest.Status.OPEN
    told = Notification.objects.get(recipient=ann, kind="agreement_ended")
    assert told.payload["reopened"] is True
    client.force_login(ann)
    page = " ".join(client.get(reverse("frontend:notification_list")).content.decode().split())
    assert "The other person in “Mow the lawn” has deleted their account." in page
    assert "Your request is open again" in page


def test_the_helper_is_told_when_the_requester_leaves(ann, bob):
    """Given Bob helps Ann, when Ann erases her account, then Bob is told the agreement ended (her request goes)."""
    deal = agreement(requester=ann, helper=bob)

    neighbour_erase(neighbour=ann, password=PASSWORD)

    told = Notification.objects.get(recipient=bob, kind="agreement_ended")
    assert told.payload["thread"] == deal.thread_id
    assert told.payload["reopened"] is False
    assert not HelpRequest.objects.filter(pk=deal.request_id).exists()


def test_the_first_on_the_waiting_list_gets_the_seat(ann, bob):
    """Given a one-seat session taken by Bob with Ann waiting, when Bob erases his account, then Ann has the seat."""
    session = group_session(capacity=1)
    signup_create(session=session, neighbour=bob)
    waiting, _created = signup_create(session=session, neighbour=ann)
    assert waiting.status == SignUp.Status.WAITLISTED

    neighbour_erase(neighbour=bob, password=PASSWORD)

    waiting.refresh_from_db()
    assert waiting.status == SignUp.Status.CONFIRMED
    assert Notification.objects.filter(recipient=ann, kind="session_promoted").exists()


def test_the_sessions_of_their_offers_are_cancelled_and_participants_told(ann, bob):
    """Given Bob's session with Ann signed up, when Bob erases his account, then Ann is told it is cancelled."""
    session = group_session(offer=help_offer(author=bob, category="digital"))
    signup_create(session=session, neighbour=ann)

    neighbour_erase(neighbour=bob, password=PASSWORD)

    assert Notification.objects.filter(recipient=ann, kind="session_cancelled").exists()


def test_the_last_admin_of_an_organisation_with_members_is_refused(ann, bob):
    """Given Ann is the only admin of a club Bob belongs to, when she tries to erase her account, then it is refused
    (409) and nothing changes."""
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.ADMIN)
    MembershipFactory(organisation=club, neighbour=bob, role=Membership.Role.MEMBER)

    with pytest.raises(OrganisationConflict):
        neighbour_erase(neighbour=ann, password=PASSWORD)

    assert Neighbour.objects.filter(pk=ann.pk).exists()
    assert club.memberships.count() == 2


def test_an_organisation_with_only_them_is_deleted_with_them(ann):
    """Given Ann is the only member of a club with nothing going on, when she erases her account, the club goes
    too."""
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.ADMIN)

    neighbour_erase(neighbour=ann, password=PASSWORD)

    assert not Organisation.objects.filter(pk=club.pk).exists()


def test_a_wrong_password_is_refused(ann):
    """Given a wrong password, the account stays (ValidationError on the password)."""
    with pytest.raises(ValidationError) as caught:
        neighbour_erase(neighbour=ann, password="not my password")

    assert "password" in caught.value.message_dict
    assert Neighbour.objects.filter(pk=ann.pk).exists()


def test_a_proposal_made_by_the_erased_party_stays_readable_for_the_other(ann, bob):
    """Given Ann proposed a change in an agreement with Bob, when Ann erases her account, the thread with the
    proposal message stays for Bob."""
    deal = agreement(requester=bob, helper=ann)
    proposal_create(agreement=deal, proposed_by=ann, action="skip", occurrence=deal.occurrences.first())

    neighbour_erase(neighbour=ann, password=PASSWORD)

    assert Message.objects.filter(thread_id=deal.thread_id, kind="proposal", author=None).exists()
    assert bob.participations.filter(thread_id=deal.thread_id).exists()


# -- API ------------------------------------------------------------------------------------------------------------

def test_the_api_erases_the_account_and_the_token_stops_working(api_client, neighbour):
    """DELETE /api/v1/me/ with the password answers 204; the same token is then refused (401)."""
    token = Token.objects.create(user=neighbour)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.delete(reverse("api:me"), {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert api_client.get(reverse("api:me")).status_code == 401
    assert not Token.objects.filter(key=token.key).exists()


def test_the_api_refuses_a_wrong_password_with_400(authed_client, neighbour):
    response = authed_client.delete(reverse("api:me"), {"password": "wrong"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()
    assert Neighbour.objects.filter(pk=neighbour.pk).exists()


def test_the_api_refuses_a_missing_password_with_400(authed_client):
    assert authed_client.delete(reverse("api:me"), {}, format="json").status_code == 400


def test_the_api_refuses_the_last_admin_with_409(authed_client, neighbour, bob):
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=neighbour, role=Membership.Role.ADMIN)
    MembershipFactory(organisation=club, neighbour=bob)

    response = authed_client.delete(reverse("api:me"), {"password": PASSWORD}, format="json")

    assert response.status_code == 409
    assert "administrator" in response.json()["detail"]


def test_password_guesses_through_erasure_are_limited_like_logins(authed_client, neighbour, settings):
    """Wrong passwords for DELETE /api/v1/me/ count as login attempts on the account: past the limit, 429."""
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "login_email": "3/min"}
    answers = [
        authed_client.delete(reverse("api:me"), {"password": f"guess {n}"}, format="json").status_code
        for n in range(4)
    ]

    assert answers == [400, 400, 400, 429]
    assert Neighbour.objects.filter(pk=neighbour.pk).exists()
