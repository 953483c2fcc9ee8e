"""Referrals: an organisation passes a request it cannot take to a partner, which answers or declines."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chat.models import Notification
from neighbours import services as neighbour_services
from requests import referrals
from requests.models import Referral
from requests.services import Conflict, help_request_cancel, response_create
from tests.factories import MembershipFactory, NeighbourFactory, help_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def club(ann):
    """A volunteer club; Ann is its admin."""
    return neighbour_services.organisation_create(created_by=ann, name="Hessa Ballklubb", kind="club")


@pytest.fixture
def firm(bob):
    """A professional contractor; Bob is its admin and Carl its coordinator."""
    firm = neighbour_services.organisation_create(created_by=bob, name="Plen og Park AS", kind="contractor",
                                                  is_professional=True)
    MembershipFactory(organisation=firm, neighbour=NeighbourFactory(display_name="Carl"), role="coordinator")
    return firm


@pytest.fixture
def lawn():
    return help_request(author=NeighbourFactory(display_name="Dora"), title="Mow a big lawn")


def refer(help_request, club, firm, by, note="We have no mower"):
    return referrals.referral_create(help_request=help_request, from_organisation=club, to_organisation=firm,
                                     referred_by=by, note=note)


def test_a_referral_notifies_the_partners_admins_and_coordinators(lawn, club, firm, ann):
    """Given Ann acts for the club, when she refers the request to the firm, then the firm's admin and
    coordinator are told (kind request_referred), and nobody else."""
    referral = refer(lawn, club, firm, ann)

    told = Notification.objects.filter(kind="request_referred")
    assert referral.status == Referral.Status.PENDING
    assert {n.recipient.display_name for n in told} == {"Bob", "Carl"}
    assert told.first().payload["referral"] == referral.pk


def test_a_plain_member_cannot_refer(lawn, club, firm):
    member = MembershipFactory(organisation=club, role="member").neighbour

    with pytest.raises(PermissionDenied):
        refer(lawn, club, firm, member)
    assert not Referral.objects.exists()


def test_referring_to_oneself_is_refused(lawn, club, ann):
    with pytest.raises(ValidationError):
        refer(lawn, club, club, ann)


def test_a_closed_request_cannot_be_referred(club, firm, ann):
    closed = help_request(author=NeighbourFactory())
    help_request_cancel(help_request=closed, by=closed.author)

    with pytest.raises(Conflict):
        refer(closed, club, firm, ann)


def test_referring_twice_to_the_same_partner_is_refused(lawn, club, firm, ann):
    refer(lawn, club, firm, ann)

    with pytest.raises(Conflict):
        refer(lawn, club, firm, ann)
    assert Referral.objects.count() == 1


def test_the_partners_response_marks_the_referral_answered(lawn, club, firm, ann, bob):
    """Given a referral to the firm, when Bob responds on the firm's behalf, then it is answered."""
    referral = refer(lawn, club, firm, ann)

    response_create(help_request=lawn, responder=bob, message="We can mow on Friday", organisation=firm)

    referral.refresh_from_db()
    assert (referral.status, referral.decided_by) == (Referral.Status.RESPONDED, bob)


def test_a_personal_response_leaves_the_referral_pending(lawn, club, firm, ann, bob):
    referral = refer(lawn, club, firm, ann)

    response_create(help_request=lawn, responder=bob, message="I can, privately")

    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_the_partner_declines(lawn, club, firm, ann, bob):
    referral = refer(lawn, club, firm, ann)

    referrals.referral_decline(referral=referral, by=bob)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED


def test_declining_twice_is_refused(lawn, club, firm, ann, bob):
    referral = refer(lawn, club, firm, ann)
    referrals.referral_decline(referral=referral, by=bob)

    with pytest.raises(Conflict):
        referrals.referral_decline(referral=referral, by=bob)


def test_only_the_partner_declines(lawn, club, firm, ann):
    referral = refer(lawn, club, firm, ann)

    with pytest.raises(PermissionDenied):
        referrals.referral_decline(referral=referral, by=ann)


def test_the_inbox_is_for_the_partners_acting_people(lawn, club, firm, ann, bob):
    referral = refer(lawn, club, firm, ann)

    assert list(referrals.referral_inbox(organisation=firm, viewer=bob)) == [referral]
    with pytest.raises(PermissionDenied):
        referrals.referral_inbox(organisation=firm, viewer=ann)


# API


@pytest.fixture
def client_for(api_client):
    def login(neighbour):
        api_client.force_authenticate(neighbour)
        return api_client

    return login


def refer_url(help_request):
    return reverse("api:request-referrals", args=[help_request.pk])


def test_post_a_referral(client_for, lawn, club, firm, ann):
    response = client_for(ann).post(refer_url(lawn), {"organisation": club.pk, "to_organisation": firm.pk,
                                                      "note": "Too big for us"})

    assert response.status_code == 201
    body = response.json()
    assert body["to_organisation"] == {"id": firm.pk, "name": "Plen og Park AS", "provider": "professional"}
    assert body["status"] == "pending"


@pytest.mark.parametrize("target", ["self", "unknown", "missing"])
def test_bad_referrals_are_a_400(client_for, lawn, club, ann, target):
    body = {"organisation": club.pk}
    if target == "self":
        body["to_organisation"] = club.pk
    elif target == "unknown":
        body["to_organisation"] = 999999

    assert client_for(ann).post(refer_url(lawn), body).status_code == 400


def test_a_referral_without_the_role_is_a_403(client_for, lawn, club, firm):
    member = MembershipFactory(organisation=club, role="member").neighbour

    response = client_for(member).post(refer_url(lawn), {"organisation": club.pk, "to_organisation": firm.pk})

    assert response.status_code == 403


def test_referring_someone_elses_closed_request_is_a_404(client_for, club, firm, ann):
    """A closed request is visible only to its author and helpers: for anyone else it does not exist."""
    closed = help_request(author=NeighbourFactory())
    help_request_cancel(help_request=closed, by=closed.author)

    response = client_for(ann).post(refer_url(closed), {"organisation": club.pk, "to_organisation": firm.pk})

    assert response.status_code == 404


def test_referring_a_closed_request_one_may_see_is_a_409(client_for, club, firm, ann):
    """The author of a closed request sees it; when they act for an organisation, passing it on is a 409."""
    own = help_request(author=ann)
    help_request_cancel(help_request=own, by=ann)

    response = client_for(ann).post(refer_url(own), {"organisation": club.pk, "to_organisation": firm.pk})

    assert response.status_code == 409


def test_the_inbox_api_lists_referrals_for_the_partner(client_for, lawn, club, firm, ann, bob):
    refer(lawn, club, firm, ann)
    url = reverse("api:organisation-referrals", args=[firm.pk])

    rows = client_for(bob).get(url).json()

    assert [(row["request"], row["from_organisation"]["provider"]) for row in rows] == [(lawn.pk, "volunteer")]
    assert client_for(ann).get(url).status_code == 403


def test_declining_via_the_api(client_for, lawn, club, firm, ann, bob):
    referral = refer(lawn, club, firm, ann)
    url = reverse("api:referral-decline", args=[referral.pk])

    assert client_for(ann).post(url).status_code == 404
    assert client_for(bob).post(url).json()["status"] == "declined"
    assert client_for(bob).post(url).status_code == 409


def test_a_response_for_the_partner_via_the_api_marks_the_referral(client_for, lawn, club, firm, ann, bob):
    referral = refer(lawn, club, firm, ann)

    response = client_for(bob).post(reverse("api:request-responses", args=[lawn.pk]),
                                    {"message": "We can", "organisation": firm.pk})

    referral.refresh_from_db()
    assert response.status_code == 201
    assert referral.status == "responded"
