"""Organisation pages: list, create, profile with follow button, members, invitations, inbox and referrals."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from neighbours import selectors, services
from neighbours.models import Follow, Invitation, Organisation
from neighbours.services import neighbour_update_profile
from requests import referrals
from requests.models import HelpRequest, Referral, Response
from tests.factories import MembershipFactory, NeighbourFactory, help_offer, help_request, point

pytestmark = pytest.mark.django_db

HOME = (62.4722, 6.1495)


@pytest.fixture
def club(ann):
    return services.organisation_create(created_by=ann, name="Hessa Ballklubb", kind="club",
                                        description="Football and dugnad")


@pytest.fixture
def firm(bob):
    return services.organisation_create(created_by=bob, name="Plen og Park AS", kind="contractor",
                                        is_professional=True)


def login(client, neighbour):
    client.force_login(neighbour)
    return client


def test_the_pages_require_login(client, club):
    for url in (reverse("frontend:organisation_list"), reverse("frontend:organisation_detail", args=[club.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("frontend:login"))


def test_the_main_menu_links_to_organisations(client, bob):
    page = login(client, bob).get(reverse("frontend:home")).text

    assert reverse("frontend:organisation_list") in page


def test_the_list_searches_by_name_and_kind_and_labels_providers(client, club, firm, bob):
    api = login(client, bob)

    by_name = api.get(reverse("frontend:organisation_list"), {"q": "ballklubb"}).text
    by_kind = api.get(reverse("frontend:organisation_list"), {"kind": "contractor"}).text

    assert "Hessa Ballklubb" in by_name
    assert "Plen og Park AS" not in by_name
    assert "Plen og Park AS" in by_kind
    assert "Professional" in by_kind


def test_creating_an_organisation_through_the_form(client, bob):
    response = login(client, bob).post(reverse("frontend:organisation_create"), {
        "name": "Aspøy Seniorforening", "kind": "seniors_association", "is_professional": "False",
        "description": "", "address": "", "service_radius_km": "10",
    })

    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:organisation_detail", args=[organisation.pk])
    assert selectors.membership_role(neighbour=bob, organisation=organisation) == "admin"


def test_the_create_form_shows_errors(client, bob):
    response = login(client, bob).post(reverse("frontend:organisation_create"), {"name": "", "kind": "club"})

    assert response.status_code == 200
    assert not Organisation.objects.exists()
    assert "field-error" in response.text


def test_the_profile_page_shows_label_posts_and_public_members(client, club, ann, bob):
    help_request(author=ann, organisation=club, title="Paint the clubhouse")
    help_offer(author=ann, organisation=club, title="Lend our trailer")
    MembershipFactory(organisation=club, neighbour=NeighbourFactory(display_name="Quiet Member"))

    page = login(client, bob).get(reverse("frontend:organisation_detail", args=[club.pk])).text

    assert "Volunteers" in page
    assert "Paint the clubhouse" in page
    assert "Lend our trailer" in page
    assert "Ann" in page
    assert "Quiet Member" not in page
    assert "Follow" in page


def test_members_see_the_whole_member_list(client, club, bob):
    MembershipFactory(organisation=club, neighbour=bob)
    MembershipFactory(organisation=club, neighbour=NeighbourFactory(display_name="Quiet Member"))

    page = login(client, bob).get(reverse("frontend:organisation_detail", args=[club.pk])).text

    assert "Quiet Member" in page


def test_the_follow_button_follows_and_unfollows(client, club, bob):
    api = login(client, bob)
    url = reverse("frontend:organisation_follow", args=[club.pk])

    api.post(url, {"action": "follow"})
    api.post(url, {"action": "follow"})
    assert Follow.objects.filter(neighbour=bob, organisation=club).count() == 1
    assert "Stop following" in api.get(reverse("frontend:organisation_detail", args=[club.pk])).text

    api.post(url, {"action": "unfollow"})
    assert not Follow.objects.exists()


def test_the_members_page_is_for_admins(client, club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")

    assert login(client, bob).get(reverse("frontend:organisation_members", args=[club.pk])).status_code == 403


def test_an_admin_invites_by_email_and_makes_a_join_link(client, club, ann, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    api = login(client, ann)
    url = reverse("frontend:organisation_invitation_create", args=[club.pk])

    with django_capture_on_commit_callbacks(execute=True):
        api.post(url, {"kind": "email", "email": "kari@example.org", "role": "coordinator"})
    api.post(url, {"kind": "link"})
    page = api.get(reverse("frontend:organisation_members", args=[club.pk])).text

    link = Invitation.objects.get(email="")
    assert len(mailoutbox) == 1
    assert "kari@example.org" in page
    assert f"/invitations/{link.token}/" in page


def test_an_admin_changes_a_role_and_removes_a_member(client, club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob)
    api = login(client, ann)

    api.post(reverse("frontend:organisation_member_role", args=[club.pk, bob.pk]), {"role": "coordinator"})
    assert selectors.membership_role(neighbour=bob, organisation=club) == "coordinator"

    api.post(reverse("frontend:organisation_member_remove", args=[club.pk, bob.pk]))
    assert selectors.membership_role(neighbour=bob, organisation=club) is None


def test_the_last_admin_leaving_gets_a_clear_message(client, club, ann):
    response = login(client, ann).post(
        reverse("frontend:organisation_member_remove", args=[club.pk, ann.pk]), follow=True
    )

    assert "at least one administrator" in response.text
    assert selectors.membership_role(neighbour=ann, organisation=club) == "admin"


def test_handing_over_the_admin_role(client, club, ann, bob):
    MembershipFactory(organisation=club, neighbour=bob)

    login(client, ann).post(reverse("frontend:organisation_member_role", args=[club.pk, bob.pk]),
                            {"role": "transfer"})

    assert selectors.membership_role(neighbour=bob, organisation=club) == "admin"
    assert selectors.membership_role(neighbour=ann, organisation=club) == "coordinator"


def test_the_invitation_page_shows_the_organisation_and_role_and_joins(client, club, ann, bob):
    invitation = services.invitation_create(organisation=club, by=ann, email="b@example.org", role="coordinator",
                                            base_url="http://x")
    api = login(client, bob)
    url = reverse("frontend:invitation_accept", args=[invitation.token])

    page = api.get(url).text
    response = api.post(url)

    assert "Hessa Ballklubb" in page
    assert "Coordinator" in page
    assert response.status_code == 302
    assert selectors.membership_role(neighbour=bob, organisation=club) == "coordinator"


def test_the_invitation_page_shows_visitors_without_an_account_the_way_back_to_it(client, club, ann):
    """Someone invited who is not logged in sees what they are invited to, and log-in and sign-up links that bring
    them back to the invitation; the Join button itself needs an account."""
    link = services.invitation_link_create(organisation=club, by=ann)
    url = reverse("frontend:invitation_accept", args=[link.token])

    page = client.get(url)
    joining = client.post(url)

    back_here = f"next={url.replace('/', '%2F')}"
    assert page.status_code == 200
    assert "Hessa Ballklubb" in page.text
    assert f'{reverse("frontend:login")}?{back_here}' in page.text
    assert f'{reverse("frontend:register")}?{back_here}' in page.text
    assert joining.status_code == 302
    assert joining["Location"].startswith(reverse("frontend:login"))
    assert not club.memberships.exclude(neighbour=ann).exists()


def test_creating_an_account_from_an_invitation_leads_back_to_it_after_logging_in(client, club, ann):
    """Register (with ?next= the invitation) → the thank-you page's log-in button → log in → the invitation."""
    link = services.invitation_link_create(organisation=club, by=ann)
    invitation_url = reverse("frontend:invitation_accept", args=[link.token])

    registered = client.post(
        f"{reverse('frontend:register')}?next={invitation_url}",
        {"email": "new@example.org", "display_name": "New Neighbour", "password": "a long walk by the fjord",
         "language": "en", "next": invitation_url},
        follow=True,
    )
    login_link = f'{reverse("frontend:login")}?next={invitation_url.replace("/", "%2F")}'
    logged_in = client.post(login_link, {"username": "new@example.org", "password": "a long walk by the fjord",
                                         "next": invitation_url})

    assert login_link in registered.text
    assert logged_in.status_code == 302
    assert logged_in["Location"] == invitation_url


def test_a_next_page_on_another_site_is_not_carried_through_registration(client):
    page = client.get(reverse("frontend:register"), {"next": "https://evil.example/"}).text

    assert 'value="https://evil.example/"' not in page
    assert f'href="{reverse("frontend:login")}"' in page


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_an_unusable_invitation_page_says_why(client, club, ann, bob, state):
    link = services.invitation_link_create(organisation=club, by=ann)
    if state == "expired":
        Invitation.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(days=1))
    else:
        services.invitation_revoke(invitation=link, by=ann)

    response = login(client, bob).post(reverse("frontend:invitation_accept", args=[link.token]))

    assert response.status_code == 409
    assert ("expired" if state == "expired" else "withdrawn") in response.text
    assert selectors.membership_role(neighbour=bob, organisation=club) is None


def test_an_unknown_invitation_is_a_404(client, bob):
    assert login(client, bob).get(reverse("frontend:invitation_accept", args=["nope"])).status_code == 404


def test_a_coordinator_posts_a_request_for_the_organisation(client, club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")
    neighbour_update_profile(neighbour=bob, home=point(*HOME))
    api = login(client, bob)

    assert "On behalf of" in api.get(reverse("frontend:request_create")).text
    api.post(reverse("frontend:request_create"), {
        "category": "garden", "title": "Clear the pitch", "description": "", "needed_from": "", "needed_until": "",
        "recurrence": "", "address": "", "lat": "", "lon": "", "organisation": club.pk,
    })

    assert HelpRequest.objects.get().organisation == club


def test_a_plain_member_is_not_offered_the_organisation_in_the_form(client, club, bob):
    MembershipFactory(organisation=club, neighbour=bob, role="member")
    neighbour_update_profile(neighbour=bob, home=point(*HOME))
    api = login(client, bob)

    assert "On behalf of" not in api.get(reverse("frontend:request_create")).text
    response = api.post(reverse("frontend:request_create"), {
        "category": "garden", "title": "Sneaky", "description": "", "needed_from": "", "needed_until": "",
        "recurrence": "", "address": "", "lat": "", "lon": "", "organisation": club.pk,
    })

    assert HelpRequest.objects.get().organisation is None
    assert response.status_code == 302


def test_refer_from_the_request_page_then_answer_from_the_inbox(client, club, firm, ann, bob):
    """Ann (club) passes a request on to the firm; Bob (firm) sees it in the inbox and answers for the firm; the
    requester sees the answer labelled as professional."""
    requester = NeighbourFactory(display_name="Dora")
    lawn = help_request(author=requester, title="Mow a big lawn")

    page = login(client, ann).get(reverse("frontend:request_detail", args=[lawn.pk])).text
    assert "Refer to a partner organisation" in page
    client.post(reverse("frontend:request_refer", args=[lawn.pk]),
                {"organisation": club.pk, "to_organisation": firm.pk, "note": "Too big for our mowers"})
    referral = Referral.objects.get()

    inbox = login(client, bob).get(reverse("frontend:organisation_inbox", args=[firm.pk])).text
    assert "Mow a big lawn" in inbox
    assert "Too big for our mowers" in inbox
    client.post(reverse("frontend:referral_respond", args=[referral.pk]), {"message": "We can come Friday"})

    referral.refresh_from_db()
    assert referral.status == "responded"
    assert Response.objects.get().organisation == firm
    answers = login(client, requester).get(reverse("frontend:request_detail", args=[lawn.pk])).text
    assert "Plen og Park AS" in answers
    assert "Professional" in answers


def test_the_inbox_is_for_admins_and_coordinators(client, firm, bob):
    member = MembershipFactory(organisation=firm, role="member").neighbour

    assert login(client, member).get(reverse("frontend:organisation_inbox", args=[firm.pk])).status_code == 403


def test_declining_from_the_inbox(client, club, firm, ann, bob):
    lawn = help_request(author=NeighbourFactory())
    referral = referrals.referral_create(help_request=lawn, from_organisation=club, to_organisation=firm,
                                         referred_by=ann)

    login(client, bob).post(reverse("frontend:referral_decline", args=[referral.pk]))

    referral.refresh_from_db()
    assert referral.status == "declined"


def test_the_referral_notification_links_to_the_inbox(client, club, firm, ann, bob):
    lawn = help_request(author=NeighbourFactory(), title="Mow a big lawn")
    referrals.referral_create(help_request=lawn, from_organisation=club, to_organisation=firm, referred_by=ann)

    page = login(client, bob).get(reverse("frontend:notification_list")).text

    assert reverse("frontend:organisation_inbox", args=[firm.pk]) in page
    assert "Mow a big lawn" in page


def test_an_admin_edits_the_profile(client, club, ann):
    response = login(client, ann).post(reverse("frontend:organisation_edit", args=[club.pk]), {
        "name": "Hessa IL", "kind": "club", "is_professional": "True", "description": "",
        "address": "", "service_radius_km": "5",
    })

    club.refresh_from_db()
    assert response.status_code == 302
    assert (club.name, club.is_professional, club.service_radius_km) == ("Hessa IL", True, 5)


def test_only_admins_open_the_edit_page(client, club, bob):
    assert login(client, bob).get(reverse("frontend:organisation_edit", args=[club.pk])).status_code == 403


def test_the_organisation_page_lists_its_upcoming_sessions_with_seats_left(client, bob):
    """A follower sees what the association's courses offer before deciding to sign up."""
    from tests.factories import group_session, seniors_association

    association = seniors_association(admins=[bob], name="Aspøy Seniorforening")
    offer = help_offer(author=bob, organisation=association, category="digital", title="Digital Post for beginners")
    group_session(offer=offer, capacity=12)

    page = login(client, bob).get(reverse("frontend:organisation_detail", args=[association.pk])).text

    assert "Upcoming sessions" in page
    assert "Digital Post for beginners" in page
    assert "12 seats left" in page


def test_coordinators_of_an_assisting_organisation_find_its_log_of_help_given(client, bob, club):
    """A seniors' association's coordinators reach the log of what was done for members; a club has none."""
    from tests.factories import seniors_association

    association = seniors_association(coordinators=[bob])
    api = login(client, bob)

    association_page = api.get(reverse("frontend:organisation_detail", args=[association.pk])).text
    MembershipFactory(organisation=club, neighbour=bob, role="coordinator")
    club_page = api.get(reverse("frontend:organisation_detail", args=[club.pk])).text

    assert reverse("frontend:organisation_assisted", args=[association.pk]) in association_page
    assert reverse("frontend:organisation_assisted", args=[club.pk]) not in club_page
