"""The organisations API: list/create/detail, members and their visibility, invitations, follows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from neighbours import services
from neighbours.models import Follow, Invitation, Membership, Organisation
from tests.factories import MembershipFactory, NeighbourFactory, help_request, point

pytestmark = pytest.mark.django_db

LIST = reverse("api:organisation-list")
MY_FOLLOWS = reverse("api:my-follows")


def detail(organisation):
    return reverse("api:organisation-detail", args=[organisation.pk])


def members(organisation):
    return reverse("api:organisation-members", args=[organisation.pk])


def member(organisation, neighbour):
    return reverse("api:organisation-member", args=[organisation.pk, neighbour.pk])


def invitations(organisation):
    return reverse("api:organisation-invitations", args=[organisation.pk])


def follow(organisation):
    return reverse("api:organisation-follow", args=[organisation.pk])


@pytest.fixture
def client_for(api_client):
    def login(neighbour):
        api_client.force_authenticate(neighbour)
        return api_client

    return login


@pytest.fixture
def club(ann):
    return services.organisation_create(created_by=ann, name="Hessa Ballklubb", kind="club",
                                        description="Football for all")


@pytest.fixture
def firm(bob):
    return services.organisation_create(created_by=bob, name="Plen og Park AS", kind="contractor",
                                        is_professional=True)


# List, create, detail


def test_the_list_requires_authentication(api_client):
    assert api_client.get(LIST).status_code == 401


def test_creating_an_organisation_makes_the_creator_admin(client_for, ann):
    response = client_for(ann).post(LIST, {"name": "Aspøy Seniorforening", "kind": "seniors_association",
                                           "location": {"lat": 62.477, "lon": 6.158}})

    assert response.status_code == 201
    body = response.json()
    assert (body["my_role"], body["provider"], body["followers_count"]) == ("admin", "volunteer", 0)
    assert body["location"] == {"lat": 62.477, "lon": 6.158}
    assert Membership.objects.get(organisation_id=body["id"], neighbour=ann).role == "admin"


@pytest.mark.parametrize("body", [{}, {"name": "X", "kind": "pub"}, {"name": "", "kind": "club"},
                                  {"name": "X", "kind": "club", "service_radius_km": 0}])
def test_creating_with_bad_input_is_a_400(client_for, ann, body):
    assert client_for(ann).post(LIST, body).status_code == 400
    assert not Organisation.objects.exists()


def test_the_list_filters_by_kind_and_name(client_for, club, firm, bob):
    api = client_for(bob)

    by_kind = api.get(LIST, {"kind": "contractor"}).json()["results"]
    by_name = api.get(LIST, {"q": "ballklubb"}).json()["results"]

    assert [row["name"] for row in by_kind] == ["Plen og Park AS"]
    assert [row["name"] for row in by_name] == ["Hessa Ballklubb"]


def test_the_list_filters_by_distance(client_for, ann, bob):
    near = services.organisation_create(created_by=ann, name="Near", kind="club",
                                        location=point(62.47, 6.15))
    services.organisation_create(created_by=ann, name="Far", kind="club", location=point(69.65, 18.95))

    rows = client_for(bob).get(LIST, {"near": "62.471,6.151", "radius_km": 5}).json()["results"]

    assert [row["id"] for row in rows] == [near.pk]


def test_a_bad_near_is_a_400(client_for, bob):
    assert client_for(bob).get(LIST, {"near": "north"}).status_code == 400


def test_the_output_carries_the_viewers_relation(client_for, club, firm, bob):
    services.follow_create(neighbour=bob, organisation=club)

    body = client_for(bob).get(detail(club)).json()

    assert body["is_following"] is True
    assert body["followers_count"] == 1
    assert body["my_role"] is None
    assert body["kind_label"] == "Club"
    assert body["provider_label"] == "Volunteers"
    assert client_for(bob).get(detail(firm)).json()["provider"] == "professional"


def test_an_unknown_organisation_is_a_404(client_for, bob):
    assert client_for(bob).get(reverse("api:organisation-detail", args=[999999])).status_code == 404


def test_an_admin_patches_the_profile(client_for, club, ann):
    response = client_for(ann).patch(detail(club), {"description": "New text", "is_professional": True})

    assert response.status_code == 200
    assert response.json()["description"] == "New text"
    assert response.json()["provider"] == "professional"


def test_a_non_admin_patch_is_a_403(client_for, club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")

    assert client_for(bob).patch(detail(club), {"name": "Mine"}).status_code == 403


def test_an_admin_deletes_an_idle_organisation(client_for, club, ann):
    assert client_for(ann).delete(detail(club)).status_code == 204
    assert not Organisation.objects.filter(pk=club.pk).exists()


def test_deleting_an_organisation_with_an_open_request_is_a_409(client_for, club, ann):
    help_request(author=ann, organisation=club)

    assert client_for(ann).delete(detail(club)).status_code == 409


def test_a_non_admin_delete_is_a_403(client_for, club, bob):
    assert client_for(bob).delete(detail(club)).status_code == 403


# Members


def test_members_see_everyone_with_roles(client_for, club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="member")

    body = client_for(bob).get(members(club)).json()

    assert body["full_list"] is True
    assert body["member_count"] == 2
    assert {(row["display_name"], row["role"]) for row in body["members"]} == {("Ann", "admin"), ("Bob", "member")}


def test_the_public_sees_the_count_and_the_people_who_act(client_for, club, bob):
    MembershipFactory(organisation=club, role="member")
    MembershipFactory(organisation=club, neighbour=NeighbourFactory(display_name="Cora"), role="coordinator")

    body = client_for(bob).get(members(club)).json()

    assert body["full_list"] is False
    assert body["member_count"] == 3
    assert {row["display_name"] for row in body["members"]} == {"Ann", "Cora"}


def test_posting_to_members_creates_an_email_invitation(client_for, club, ann, mailoutbox):
    response = client_for(ann).post(members(club), {"email": "new@example.org", "role": "coordinator"})

    assert response.status_code == 201
    assert response.json()["kind"] == "email"
    assert Invitation.objects.get().role == "coordinator"


def test_an_admin_changes_a_role(client_for, club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob)

    response = client_for(ann).patch(member(club, bob), {"role": "coordinator"})

    assert response.status_code == 200
    assert response.json() == {"organisation": club.pk, "role": "coordinator"}


def test_demoting_the_last_admin_is_a_409(client_for, club, ann):
    assert client_for(ann).patch(member(club, ann), {"role": "member"}).status_code == 409


def test_a_bad_role_is_a_400(client_for, club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob)

    assert client_for(ann).patch(member(club, bob), {"role": "owner"}).status_code == 400


def test_a_member_changing_roles_is_a_403(client_for, club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob)

    assert client_for(bob).patch(member(club, bob), {"role": "admin"}).status_code == 403


def test_handing_over_with_step_down(client_for, club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob)

    response = client_for(ann).patch(member(club, bob), {"role": "admin", "step_down": True})

    assert response.status_code == 200
    assert Membership.objects.get(organisation=club, neighbour=ann).role == "coordinator"


def test_a_member_leaves(client_for, club, bob):
    MembershipFactory(organisation=club, neighbour=bob)

    assert client_for(bob).delete(member(club, bob)).status_code == 204
    assert not Membership.objects.filter(organisation=club, neighbour=bob).exists()


def test_the_last_admin_leaving_is_a_409(client_for, club, ann):
    assert client_for(ann).delete(member(club, ann)).status_code == 409


def test_removing_someone_else_without_the_role_is_a_403(client_for, club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob)

    assert client_for(bob).delete(member(club, ann)).status_code == 403


# Invitations


def test_admins_list_the_open_invitations(client_for, club, ann):
    api = client_for(ann)
    api.post(invitations(club), {"email": "a@example.org"})
    api.post(invitations(club), {"link": True})

    rows = api.get(invitations(club)).json()

    assert sorted(row["kind"] for row in rows) == ["email", "link"]
    assert all(row["url"].endswith(f"/invitations/{row['token']}/") for row in rows)


def test_non_admins_cannot_see_or_make_invitations(client_for, club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")
    api = client_for(bob)

    assert api.get(invitations(club)).status_code == 403
    assert api.post(invitations(club), {"email": "a@example.org"}).status_code == 403


@pytest.mark.parametrize("body", [{}, {"email": "not-an-address"}, {"link": True, "role": "admin"},
                                  {"email": "a@example.org", "role": "boss"}])
def test_bad_invitations_are_a_400(client_for, club, ann, body):
    assert client_for(ann).post(invitations(club), body).status_code == 400


def test_accepting_by_token_joins(client_for, club, ann, bob):
    invitation = services.invitation_create(organisation=club, by=ann, email="b@example.org", role="coordinator",
                                            base_url="http://x")

    response = client_for(bob).post(reverse("api:invitation-accept", args=[invitation.token]))

    assert response.status_code == 200
    assert response.json() == {"organisation": club.pk, "role": "coordinator"}


def test_accepting_an_unknown_token_is_a_404(client_for, bob):
    assert client_for(bob).post(reverse("api:invitation-accept", args=["nope"])).status_code == 404
    # (a NUL in the token made PostgreSQL fail the lookup: a 500, found by fuzzing)
    assert client_for(bob).post("/api/v1/invitations/no%00pe/accept/").status_code == 404


def test_accepting_an_expired_invitation_is_a_409(client_for, club, ann, bob):
    invitation = services.invitation_create(organisation=club, by=ann, email="b@example.org", base_url="http://x")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client_for(bob).post(reverse("api:invitation-accept", args=[invitation.token]))

    assert response.status_code == 409
    assert "expired" in response.json()["detail"]


def test_accepting_a_used_email_invitation_is_a_409(client_for, club, ann, bob):
    invitation = services.invitation_create(organisation=club, by=ann, email="b@example.org", base_url="http://x")
    services.invitation_accept(invitation=invitation, neighbour=NeighbourFactory())

    assert client_for(bob).post(reverse("api:invitation-accept", args=[invitation.token])).status_code == 409


def test_revoking_then_accepting_is_a_409(client_for, club, ann, bob):
    link = services.invitation_link_create(organisation=club, by=ann)

    assert client_for(ann).delete(reverse("api:invitation-detail", args=[link.pk])).status_code == 204
    assert client_for(bob).post(reverse("api:invitation-accept", args=[link.token])).status_code == 409


def test_revoking_someone_elses_invitation_is_a_404(client_for, club, ann, bob):
    link = services.invitation_link_create(organisation=club, by=ann)
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")

    assert client_for(bob).delete(reverse("api:invitation-detail", args=[link.pk])).status_code == 404


# Follows


def test_following_is_idempotent(client_for, club, bob):
    api = client_for(bob)

    first = api.post(follow(club))
    second = api.post(follow(club))

    assert (first.status_code, second.status_code) == (201, 200)
    assert Follow.objects.filter(neighbour=bob, organisation=club).count() == 1


def test_unfollowing_is_a_204_even_twice(client_for, club, bob):
    api = client_for(bob)
    api.post(follow(club))

    assert api.delete(follow(club)).status_code == 204
    assert api.delete(follow(club)).status_code == 204
    assert not Follow.objects.exists()


def test_following_an_unknown_organisation_is_a_404(client_for, bob):
    assert client_for(bob).post(reverse("api:organisation-follow", args=[999999])).status_code == 404


def test_my_follows_lists_what_i_follow(client_for, club, firm, bob):
    api = client_for(bob)
    api.post(follow(firm))

    rows = api.get(MY_FOLLOWS).json()

    assert [(row["organisation"], row["provider"]) for row in rows] == [(firm.pk, "professional")]


def test_sending_invitations_is_rate_limited(client_for, club, ann, settings):
    """E-mail invitations count against the posting limit, so an admin cannot flood addresses with them."""
    settings.DUGNAD_RATES = {**settings.DUGNAD_RATES, "post": "2/hour"}
    api = client_for(ann)

    codes = [api.post(invitations(club), {"email": f"p{n}@example.org"}).status_code for n in range(3)]

    assert codes == [201, 201, 429]
    assert api.get(invitations(club)).status_code == 200


def test_a_plain_member_posting_for_the_organisation_is_a_403(client_for, club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="member")

    response = client_for(bob).post(reverse("api:request-list"), {
        "category": "garden", "title": "For the club", "location": {"lat": 62.4722, "lon": 6.1495},
        "organisation": club.pk,
    })

    assert response.status_code == 403


def test_a_coordinator_posts_for_the_organisation(client_for, club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")

    response = client_for(bob).post(reverse("api:request-list"), {
        "category": "garden", "title": "For the club", "location": {"lat": 62.4722, "lon": 6.1495},
        "organisation": club.pk,
    })

    assert response.status_code == 201
    assert response.json()["organisation"] == club.pk
