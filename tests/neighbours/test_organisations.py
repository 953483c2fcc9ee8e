"""Organisation rules: roles, the last admin, handing over, profile, deleting, invitations and follows."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from neighbours import selectors, services
from neighbours.models import Follow, Invitation, Membership, Organisation
from neighbours.services import InvitationUnusable, OrganisationConflict
from offers.feed import feed_for
from tests.factories import MembershipFactory, NeighbourFactory, OrganisationFactory, help_request, point

pytestmark = pytest.mark.django_db

BASE = "https://dugnad.example"


@pytest.fixture
def club(ann):
    """A club with Ann as its only admin."""
    return services.organisation_create(created_by=ann, name="Hessa Ballklubb", kind=Organisation.Kind.CLUB)


def role_of(organisation, neighbour):
    return selectors.membership_role(neighbour=neighbour, organisation=organisation)


# Roles


def test_an_admin_changes_a_members_role(club, ann, bob):
    """Given Bob is a member, when the admin makes him coordinator, then he is a coordinator."""
    MembershipFactory(organisation=club, neighbour=bob)

    services.membership_set_role(organisation=club, neighbour_id=bob.pk, role="coordinator", by=ann)

    assert role_of(club, bob) == "coordinator"


@pytest.mark.parametrize("role", ["coordinator", "member"])
def test_only_admins_change_roles(club, bob, role):
    """A coordinator or member may not change anyone's role."""
    MembershipFactory(organisation=club, neighbour=bob, role=role)
    other = MembershipFactory(organisation=club).neighbour

    with pytest.raises(PermissionDenied):
        services.membership_set_role(organisation=club, neighbour_id=other.pk, role="admin", by=bob)
    assert role_of(club, other) == "member"


def test_changing_the_role_of_a_non_member_is_refused(club, ann, bob):
    with pytest.raises(ValidationError):
        services.membership_set_role(organisation=club, neighbour_id=bob.pk, role="member", by=ann)


def test_the_last_admin_cannot_demote_themselves(club, ann):
    """Given Ann is the only admin, when she makes herself a member, then it is refused and she stays admin."""
    with pytest.raises(OrganisationConflict):
        services.membership_set_role(organisation=club, neighbour_id=ann.pk, role="member", by=ann)

    assert role_of(club, ann) == "admin"


def test_an_admin_may_step_down_when_another_admin_remains(club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="admin")

    services.membership_set_role(organisation=club, neighbour_id=ann.pk, role="coordinator", by=ann)

    assert role_of(club, ann) == "coordinator"


def test_the_last_admin_cannot_leave(club, ann):
    with pytest.raises(OrganisationConflict):
        services.membership_remove(organisation=club, neighbour_id=ann.pk, by=ann)

    assert role_of(club, ann) == "admin"


def test_anyone_may_leave(club, bob):
    MembershipFactory(organisation=club, neighbour=bob)

    services.membership_remove(organisation=club, neighbour_id=bob.pk, by=bob)

    assert role_of(club, bob) is None


def test_an_admin_removes_a_member(club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")

    services.membership_remove(organisation=club, neighbour_id=bob.pk, by=ann)

    assert role_of(club, bob) is None


def test_a_coordinator_cannot_remove_others(club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")
    other = MembershipFactory(organisation=club).neighbour

    with pytest.raises(PermissionDenied):
        services.membership_remove(organisation=club, neighbour_id=other.pk, by=bob)
    assert role_of(club, other) == "member"


def test_transfer_makes_another_member_admin_and_steps_down(club, ann, bob):
    """Given Bob is a member, when Ann hands over the admin role stepping down, then Bob is admin and Ann is a
    coordinator."""
    MembershipFactory(organisation=club, neighbour=bob)

    services.admin_transfer(organisation=club, by=ann, to_neighbour_id=bob.pk, step_down=True)

    assert (role_of(club, bob), role_of(club, ann)) == ("admin", "coordinator")


def test_transfer_without_stepping_down_keeps_both_admins(club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob)

    services.admin_transfer(organisation=club, by=ann, to_neighbour_id=bob.pk)

    assert (role_of(club, bob), role_of(club, ann)) == ("admin", "admin")


def test_transfer_to_someone_outside_the_organisation_is_refused(club, ann, bob):
    with pytest.raises(ValidationError):
        services.admin_transfer(organisation=club, by=ann, to_neighbour_id=bob.pk, step_down=True)
    assert role_of(club, ann) == "admin"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_demoting_themselves_at_once_leave_one_admin():
    """Given two admins, when both step down at the same moment (separate connections), then exactly one succeeds
    and the organisation keeps one admin."""
    first, second = NeighbourFactory(), NeighbourFactory()
    organisation = services.organisation_create(created_by=first, name="Twin admins", kind="club")
    MembershipFactory(organisation=organisation, neighbour=second, role="admin")
    barrier = threading.Barrier(2)
    outcomes = []

    def step_down(neighbour):
        try:
            barrier.wait()
            services.membership_set_role(
                organisation=organisation, neighbour_id=neighbour.pk, role="member", by=neighbour
            )
            outcomes.append("done")
        except OrganisationConflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=step_down, args=(person,)) for person in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["done", "refused"]
    assert Membership.objects.filter(organisation=organisation, role="admin").count() == 1


# Profile and deletion


def test_an_admin_edits_the_profile(club, ann):
    services.organisation_update(organisation=club, by=ann, name="Hessa IL", is_professional=True)

    club.refresh_from_db()
    assert (club.name, club.provider) == ("Hessa IL", "professional")


def test_a_coordinator_cannot_edit_the_profile(club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")

    with pytest.raises(PermissionDenied):
        services.organisation_update(organisation=club, by=bob, name="Taken over")


def test_an_admin_deletes_an_organisation_with_nothing_going_on(club, ann):
    services.organisation_delete(organisation=club, by=ann)

    assert not Organisation.objects.filter(pk=club.pk).exists()


def test_deleting_an_organisation_with_an_open_request_is_refused(club, ann):
    help_request(author=ann, organisation=club)

    with pytest.raises(OrganisationConflict):
        services.organisation_delete(organisation=club, by=ann)
    assert Organisation.objects.filter(pk=club.pk).exists()


# Invitations


def test_an_email_invitation_is_stored_with_a_normalised_address_and_the_default_lifetime(club, ann):
    invitation = services.invitation_create(
        organisation=club, by=ann, email="Kari@Example.org", role="coordinator", base_url=BASE
    )

    assert invitation.email == "kari@example.org"
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)


def test_the_invitation_email_holds_the_link(club, ann, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(organisation=club, by=ann, email="new@example.org", base_url=BASE)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.org"]
    assert f"{BASE}/invitations/{invitation.token}/" in mail.outbox[0].body
    assert club.name in mail.outbox[0].subject


def test_the_invitation_email_is_in_the_invitees_language_else_the_sites(club, ann, settings):
    """An invitee with an account reads it in their language; an unknown address gets the site's language."""
    settings.LANGUAGE_CODE = "nb"
    NeighbourFactory(email="nl@example.org", language="nl")

    assert services.invitation_language("NL@example.org") == "nl"
    assert services.invitation_language("unknown@example.org") == "nb"


def test_the_invitation_lifetime_is_configurable(club, ann, settings):
    settings.DUGNAD_INVITATION_DAYS = 3

    invitation = services.invitation_create(organisation=club, by=ann, email="a@example.org", base_url=BASE)

    assert invitation.expires_at - invitation.created_at == timedelta(days=3)


def test_only_admins_invite(club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")

    with pytest.raises(PermissionDenied):
        services.invitation_create(organisation=club, by=bob, email="a@example.org", base_url=BASE)
    with pytest.raises(PermissionDenied):
        services.invitation_link_create(organisation=club, by=bob)


def test_accepting_an_invitation_creates_the_membership_with_its_role(club, ann, bob):
    invitation = services.invitation_create(
        organisation=club, by=ann, email="bob@example.org", role="coordinator", base_url=BASE
    )

    services.invitation_accept(invitation=invitation, neighbour=bob)

    invitation.refresh_from_db()
    assert role_of(club, bob) == "coordinator"
    assert (invitation.accepted_by, invitation.accepted_at is not None) == (bob, True)


def test_accepting_twice_is_harmless(club, ann, bob):
    invitation = services.invitation_create(organisation=club, by=ann, email="b@example.org", base_url=BASE)

    services.invitation_accept(invitation=invitation, neighbour=bob)
    services.invitation_accept(invitation=invitation, neighbour=bob)

    assert Membership.objects.filter(organisation=club, neighbour=bob).count() == 1


def test_an_invitation_never_downgrades_a_higher_role(club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")
    invitation = services.invitation_link_create(organisation=club, by=ann)

    services.invitation_accept(invitation=invitation, neighbour=bob)

    assert role_of(club, bob) == "coordinator"


def test_an_invitation_raises_a_lower_role(club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="member")
    invitation = services.invitation_create(
        organisation=club, by=ann, email="b@example.org", role="admin", base_url=BASE
    )

    services.invitation_accept(invitation=invitation, neighbour=bob)

    assert role_of(club, bob) == "admin"


def test_an_email_invitation_is_single_use(club, ann, bob):
    invitation = services.invitation_create(organisation=club, by=ann, email="b@example.org", base_url=BASE)
    services.invitation_accept(invitation=invitation, neighbour=bob)
    someone_else = NeighbourFactory()

    with pytest.raises(InvitationUnusable):
        services.invitation_accept(invitation=invitation, neighbour=someone_else)
    assert role_of(club, someone_else) is None


def test_a_join_link_is_reusable_for_members(club, ann, bob):
    link = services.invitation_link_create(organisation=club, by=ann)
    carl = NeighbourFactory()

    services.invitation_accept(invitation=link, neighbour=bob)
    services.invitation_accept(invitation=link, neighbour=carl)

    assert (role_of(club, bob), role_of(club, carl)) == ("member", "member")


def test_asking_for_the_join_link_twice_gives_the_same_link(club, ann):
    assert services.invitation_link_create(organisation=club, by=ann) == services.invitation_link_create(
        organisation=club, by=ann
    )


def test_a_join_link_cannot_offer_a_higher_role(club, ann):
    """The database refuses a link (no e-mail) for any role but member."""
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Invitation.objects.create(organisation=club, role="admin", email="", token="x" * 43,
                                  expires_at=timezone.now() + timedelta(days=1))


def test_an_expired_invitation_is_refused(club, ann, bob):
    invitation = services.invitation_create(organisation=club, by=ann, email="b@example.org", base_url=BASE)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(InvitationUnusable, match="expired"):
        services.invitation_accept(invitation=invitation, neighbour=bob)
    assert role_of(club, bob) is None


def test_a_revoked_link_is_refused(club, ann, bob):
    link = services.invitation_link_create(organisation=club, by=ann)

    services.invitation_revoke(invitation=link, by=ann)

    with pytest.raises(InvitationUnusable, match="withdrawn"):
        services.invitation_accept(invitation=link, neighbour=bob)
    assert role_of(club, bob) is None


def test_a_new_link_can_be_made_after_revoking(club, ann):
    old = services.invitation_link_create(organisation=club, by=ann)
    services.invitation_revoke(invitation=old, by=ann)

    new = services.invitation_link_create(organisation=club, by=ann)

    assert new.pk != old.pk
    assert new.token != old.token


def test_only_admins_revoke(club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")
    link = services.invitation_link_create(organisation=club, by=ann)

    with pytest.raises(PermissionDenied):
        services.invitation_revoke(invitation=link, by=bob)


def test_tokens_are_long_and_distinct(club, ann):
    tokens = {
        services.invitation_create(organisation=club, by=ann, email=f"p{n}@example.org", base_url=BASE).token
        for n in range(5)
    }

    assert len(tokens) == 5
    assert all(len(token) >= 40 for token in tokens)


# Follows


def test_following_twice_is_the_same_as_once(club, bob):
    _follow, first = services.follow_create(neighbour=bob, organisation=club)
    _follow, second = services.follow_create(neighbour=bob, organisation=club)

    assert (first, second) == (True, False)
    assert Follow.objects.filter(neighbour=bob, organisation=club).count() == 1


def test_following_puts_the_organisations_posts_into_the_feed(club, ann, bob):
    """Given a request posted by the club far from Bob, when Bob follows the club, then it is in his feed."""
    far = help_request(author=ann, organisation=club, location=point(69.65, 18.95), title="Far away dugnad")
    assert far.pk not in [item.post.pk for item in feed_for(neighbour=bob)]

    services.follow_create(neighbour=bob, organisation=club)

    assert far.pk in [item.post.pk for item in feed_for(neighbour=bob)]


def test_unfollowing_takes_the_posts_out_of_the_feed(club, ann, bob):
    far = help_request(author=ann, organisation=club, location=point(69.65, 18.95))
    services.follow_create(neighbour=bob, organisation=club)

    assert services.follow_delete(neighbour=bob, organisation=club)

    assert far.pk not in [item.post.pk for item in feed_for(neighbour=bob)]


def test_the_follower_list_holds_active_followers_only(club, bob):
    gone = NeighbourFactory(is_active=False)
    services.follow_create(neighbour=bob, organisation=club)
    services.follow_create(neighbour=gone, organisation=club)

    assert list(selectors.follower_list(club)) == [bob]


# Acting for the organisation


def test_a_plain_member_cannot_post_for_the_organisation(club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="member")

    with pytest.raises(PermissionDenied):
        help_request(author=bob, organisation=club)


def test_member_list_is_full_for_members_and_acting_people_only_for_others(club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="member")
    outsider = NeighbourFactory()

    assert {m.neighbour for m in selectors.member_list(organisation=club, viewer=bob)} == {ann, bob}
    assert {m.neighbour for m in selectors.member_list(organisation=club, viewer=outsider)} == {ann}


def test_organisation_factory_is_usable():
    assert OrganisationFactory().provider == "volunteer"


def test_deleting_an_organisation_whose_closed_offer_has_a_conversation_is_refused(club, ann, bob):
    """A closed offer someone asked for has a conversation with that person: deleting is refused (409)."""
    from offers.services import help_offer_update, offer_ask_create
    from tests.factories import help_offer

    offer = help_offer(author=ann, organisation=club)
    offer_ask_create(offer=offer, asker=bob, message="Can you come on Monday?")
    help_offer_update(offer=offer, editor=ann, status="closed")

    with pytest.raises(OrganisationConflict):
        services.organisation_delete(organisation=club, by=ann)
    assert Organisation.objects.filter(pk=club.pk).exists()
