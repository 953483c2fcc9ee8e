"""Pages for reporting and moderating: the report form, the moderators' queue, hidden content, the badge."""

import pytest
from django.urls import reverse

from neighbours import moderation
from neighbours.models import Membership, Report
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    chat_message,
    chat_thread,
    help_request,
)

pytestmark = pytest.mark.django_db


def hide(mia, reporter, target_type, target_id):
    moderation.report_create(reporter=reporter, target_type=target_type, target_id=target_id, reason="spam")
    moderation.moderation_decide(moderator=mia, target_type=target_type, target_id=target_id, action="hide")


def test_a_request_page_has_a_report_link_for_others(client, ann, bob):
    """Given Bob's request, when Ann opens it, then it offers a Report link to the report form."""
    post = help_request(author=bob)
    client.force_login(ann)

    page = client.get(reverse("frontend:request_detail", args=[post.pk])).content.decode()

    assert f'{reverse("frontend:report")}?type=request&amp;id={post.pk}' in page


def test_the_report_form_files_a_report_and_goes_back(client, ann, bob):
    """Given the report form for Bob's request, when Ann sends it with a reason, then a report is stored and she
    returns to the request."""
    post = help_request(author=bob)
    client.force_login(ann)

    response = client.post(reverse("frontend:report"), {"type": "request", "id": post.pk, "reason": "unsafe"})

    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:request_detail", args=[post.pk])
    assert Report.objects.get().reason == "unsafe"


def test_a_message_in_a_thread_page_can_be_reported(client, ann, bob):
    """Given Bob's message to Ann, when Ann opens the thread, then that message has a Report link."""
    message = chat_message(thread=chat_thread(ann, bob), author=bob, body="Rude words")
    client.force_login(ann)

    page = client.get(reverse("frontend:thread_detail", args=[message.thread_id])).content.decode()

    assert f"type=message&amp;id={message.pk}" in page


def test_the_moderation_page_is_404_for_others(client, ann):
    """Given Ann, not a moderator, when she opens /moderation/, then 404."""
    client.force_login(ann)

    assert client.get(reverse("frontend:moderation_queue")).status_code == 404


def test_the_moderation_page_shows_only_the_reported_message(client, mia, ann, bob):
    """Given a thread with a private message and a reported rude one, when Mia opens the queue, then she sees
    the rude message and not the private one."""
    thread = chat_thread(ann, bob)
    chat_message(thread=thread, author=ann, body="My door code is 4321")
    rude = chat_message(thread=thread, author=bob, body="Rude words")
    moderation.report_create(reporter=ann, target_type="message", target_id=rude.pk, reason="abuse")
    client.force_login(mia)

    page = client.get(reverse("frontend:moderation_queue")).content.decode()

    assert "Rude words" in page
    assert "4321" not in page


def test_a_moderator_hides_a_request_from_the_page(client, mia, ann, bob):
    """Given Ann's report on Bob's request, when Mia chooses hide, then the request is hidden."""
    post = help_request(author=bob)
    moderation.report_create(reporter=ann, target_type="request", target_id=post.pk, reason="spam")
    client.force_login(mia)

    client.post(reverse("frontend:moderation_decide"), {"type": "request", "id": post.pk, "action": "hide"})

    post.refresh_from_db()
    assert post.hidden_at is not None


def test_a_hidden_request_page_is_404_for_others_and_shows_a_notice_to_its_author(client, mia, ann, bob):
    """Given Bob's request hidden by Mia, then Ann gets 404 and Bob sees the notice."""
    post = help_request(author=bob)
    hide(mia, ann, "request", post.pk)
    url = reverse("frontend:request_detail", args=[post.pk])

    client.force_login(ann)
    assert client.get(url).status_code == 404
    client.force_login(bob)
    assert "A community moderator has hidden this." in client.get(url).content.decode()


def test_a_hidden_message_shows_as_hidden_in_the_thread(client, mia, ann, bob):
    """Given Bob's message hidden by Mia, when Ann opens the thread, then it reads "Hidden by a moderator" and its
    text is gone."""
    rude = chat_message(thread=chat_thread(ann, bob), author=bob, body="Rude words")
    hide(mia, ann, "message", rude.pk)
    client.force_login(ann)

    page = client.get(reverse("frontend:thread_detail", args=[rude.thread_id])).content.decode()

    assert "Hidden by a moderator" in page
    assert "Rude words" not in page


def test_the_verified_badge_shows_next_to_the_author(client, mia, ann, bob):
    """Given Bob verified by Mia, when Ann opens Bob's request, then the page says "Verified neighbour"."""
    moderation.neighbour_verify(neighbour=bob, by=mia)
    post = help_request(author=bob)
    client.force_login(ann)

    assert "Verified neighbour" in client.get(reverse("frontend:request_detail", args=[post.pk])).content.decode()


def test_an_organisation_admin_verifies_a_member_from_the_members_page(client, ann, bob):
    """Given Ann admin of a club with Bob as member, when she presses the verify button, then Bob is verified."""
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.ADMIN)
    MembershipFactory(organisation=club, neighbour=bob)
    client.force_login(ann)
    members = reverse("frontend:organisation_members", args=[club.pk])
    assert reverse("frontend:neighbour_verify", args=[bob.pk]) in client.get(members).content.decode()

    client.post(reverse("frontend:neighbour_verify", args=[bob.pk]), {"verified": "1", "next": members})

    bob.refresh_from_db()
    assert bob.is_verified


def test_moderators_see_the_moderation_link(client, mia):
    """Given Mia, a moderator, when she opens the home page, then the menu links to the moderation page."""
    client.force_login(mia)

    assert reverse("frontend:moderation_queue") in client.get(reverse("frontend:home")).content.decode()


def test_a_suspension_ends_the_authors_open_web_session(client, mia, ann, bob):
    """Given Bob logged in, when Mia suspends him over a report, then his next page is as a logged-out visitor."""
    post = help_request(author=bob)
    client.force_login(bob)
    moderation.report_create(reporter=ann, target_type="request", target_id=post.pk, reason="abuse")

    moderation.moderation_decide(moderator=mia, target_type="request", target_id=post.pk, action="suspend")

    response = client.get(reverse("frontend:profile"))
    assert response.status_code == 302
    assert reverse("frontend:login") in response["Location"]


def test_a_hidden_request_is_left_off_its_organisations_page(client, mia, ann, bob):
    """Given a club's request hidden by Mia, when Ann opens the club's page, then the request is not listed."""
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=bob, role=Membership.Role.ADMIN)
    post = help_request(author=bob, organisation=club, title="Cheap watches for sale")
    hide(mia, ann, "request", post.pk)
    client.force_login(ann)

    page = client.get(reverse("frontend:organisation_detail", args=[club.pk])).content.decode()

    assert "Cheap watches for sale" not in page
