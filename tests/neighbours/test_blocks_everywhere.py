"""Blocks everywhere: a blocked person's posts disappear for the blocker, and the blocker's for them, in the feed,
the lists, the map, matches, organisation pages and detail pages; sessions refuse their sign-ups."""

import pytest
from django.urls import reverse

from neighbours.services import block_create, neighbour_update_profile
from offers.services import offer_ask_accept, offer_ask_create
from offers.sessions import signup_create
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    agreement,
    group_session,
    help_offer,
    help_request,
    point,
)

pytestmark = pytest.mark.django_db

HOME = (62.4722, 6.1495)


@pytest.fixture(params=["viewer blocks", "author blocks"])
def blocked_pair(request, ann, bob):
    """``(viewer, author)`` with a block between them, in either direction: the rules are the same both ways."""
    viewer = neighbour_update_profile(neighbour=ann, home=point(*HOME), reach_km=5)
    if request.param == "viewer blocks":
        block_create(blocker=viewer, blocked=bob)
    else:
        block_create(blocker=bob, blocked=viewer)
    return viewer, bob


def result_ids(response):
    return [item["id"] for item in response.json()["results"]]


def test_a_blocked_persons_request_is_left_out_of_the_request_list(api_client, blocked_pair):
    """Given a block between Ann and Bob, when Ann lists requests, then Bob's open request is not there (others are)."""
    viewer, author = blocked_pair
    theirs = help_request(author=author)
    other = help_request()
    api_client.force_authenticate(viewer)

    response = api_client.get(reverse("api:request-list"))

    assert response.status_code == 200
    assert result_ids(response) == [other.pk]
    assert theirs.pk not in result_ids(response)


def test_a_blocked_persons_offer_is_left_out_of_the_offer_list(api_client, blocked_pair):
    """Given a block, when the viewer lists offers, then the other's active offer is not there."""
    viewer, author = blocked_pair
    help_offer(author=author)
    other = help_offer()
    api_client.force_authenticate(viewer)

    response = api_client.get(reverse("api:offer-list"))

    assert result_ids(response) == [other.pk]


def test_the_map_geojson_leaves_out_a_blocked_persons_requests(api_client, blocked_pair):
    """Given a block, when the viewer loads the map's GeoJSON, then it has no feature for the other's request."""
    viewer, author = blocked_pair
    help_request(author=author, location=point(*HOME))
    other = help_request(location=point(*HOME))
    api_client.force_authenticate(viewer)

    response = api_client.get(reverse("api:request-geojson"), {"near": f"{HOME[0]},{HOME[1]}", "radius_km": 5})

    assert response.status_code == 200
    assert [feature["id"] for feature in response.json()["features"]] == [other.pk]


def test_a_blocked_persons_request_detail_is_404(api_client, blocked_pair):
    """Given a block, when the viewer opens the other's request by id, then it does not exist for them (404)."""
    viewer, author = blocked_pair
    theirs = help_request(author=author)
    api_client.force_authenticate(viewer)

    assert api_client.get(reverse("api:request-detail", args=[theirs.pk])).status_code == 404


def test_a_blocked_persons_offer_page_is_404(client, blocked_pair):
    """Given a block, when the viewer opens the other's offer page, then it answers 404."""
    viewer, author = blocked_pair
    theirs = help_offer(author=author)
    client.force_login(viewer)

    assert client.get(reverse("frontend:offer_detail", args=[theirs.pk])).status_code == 404


def test_a_request_stays_visible_to_its_helper_after_a_block(api_client, ann, bob):
    """Given Bob helps with Ann's request (an agreement), when Ann blocks Bob, then Bob still sees that request."""
    made = agreement(requester=ann, helper=bob)
    block_create(blocker=ann, blocked=bob)
    api_client.force_authenticate(bob)

    assert api_client.get(reverse("api:request-detail", args=[made.request_id])).status_code == 200


def test_an_offer_stays_visible_to_the_asker_it_was_accepted_for(api_client, ann, bob):
    """Given Bob's accepted ask for Ann's offer, when Bob blocks Ann, then Bob still sees the offer."""
    offer = help_offer(author=ann)
    bob = neighbour_update_profile(neighbour=bob, home=point(*HOME))
    ask = offer_ask_create(offer=offer, asker=bob, message="Could you come on Friday?")
    offer_ask_accept(ask=ask, by=ann)
    block_create(blocker=bob, blocked=ann)
    api_client.force_authenticate(bob)

    assert api_client.get(reverse("api:offer-detail", args=[offer.pk])).status_code == 200


def test_the_feed_leaves_out_a_blocked_persons_posts_and_sessions(api_client, blocked_pair):
    """Given a block, when the viewer reads the feed, then the other's request, offer and sessions are missing."""
    viewer, author = blocked_pair
    near = point(HOME[0], HOME[1] + 0.01)
    help_request(author=author, location=near)
    offer = help_offer(author=author, location=near, category="digital")
    group_session(offer=offer)
    other = help_request(location=near)
    api_client.force_authenticate(viewer)

    response = api_client.get(reverse("api:feed"))

    assert [(item["kind"], item["id"]) for item in response.json()["results"]] == [("request", other.pk)]


def test_matches_leave_out_a_blocked_persons_offers(api_client, blocked_pair):
    """Given a block, when the viewer looks at the matches for their request, then the other's covering offer is
    not among them."""
    viewer, author = blocked_pair
    wanted = help_request(author=viewer, location=point(*HOME))
    help_offer(author=author, location=point(*HOME))
    other = help_offer(location=point(*HOME))
    api_client.force_authenticate(viewer)

    response = api_client.get(reverse("api:request-matches", args=[wanted.pk]))

    assert [match["id"] for match in response.json()] == [other.pk]


def test_the_nearby_page_leaves_out_a_blocked_persons_requests(client, blocked_pair):
    """Given a block, when the viewer opens the nearby requests page, then the other's request title is not shown."""
    viewer, author = blocked_pair
    help_request(author=author, title="Paint the blocked fence", location=point(*HOME))
    help_request(title="Carry the sofa", location=point(*HOME))
    client.force_login(viewer)

    page = client.get(reverse("frontend:request_list")).content.decode()

    assert "Carry the sofa" in page
    assert "Paint the blocked fence" not in page


def test_the_organisation_page_leaves_out_posts_a_blocked_person_wrote_for_it(client, blocked_pair):
    """Given the other person posts for an organisation, when the viewer opens its page, then that post is not
    listed, while a colleague's is."""
    viewer, author = blocked_pair
    club = OrganisationFactory()
    MembershipFactory(organisation=club, neighbour=author, role="coordinator")
    colleague = MembershipFactory(organisation=club, role="coordinator").neighbour
    help_request(author=author, organisation=club, title="Dugnad by the blocked one")
    help_request(author=colleague, organisation=club, title="Dugnad by a colleague")
    client.force_login(viewer)

    page = client.get(reverse("frontend:organisation_detail", args=[club.pk])).content.decode()

    assert "Dugnad by a colleague" in page
    assert "Dugnad by the blocked one" not in page


def test_signing_up_for_a_blocked_organisers_session_is_refused_with_403(api_client, blocked_pair):
    """Given a block between the viewer and a session's organiser, when the viewer signs up, then 403 with a
    neutral message, and no place is taken."""
    viewer, author = blocked_pair
    session = group_session(offer=help_offer(author=author, category="digital"))
    api_client.force_authenticate(viewer)

    response = api_client.post(reverse("api:session-signup", args=[session.pk]))

    assert response.status_code == 403
    assert "cannot sign up for this session" in response.json()["detail"]
    assert "block" not in response.json()["detail"].lower()
    assert not session.signups.exists()


def test_a_place_taken_before_the_block_stays(ann, bob):
    """Given Ann has a seat at Bob's session, when Bob blocks Ann, then her seat stays and signing up again
    returns it."""
    session = group_session(offer=help_offer(author=bob, category="digital"))
    signup, _created = signup_create(session=session, neighbour=ann)
    block_create(blocker=bob, blocked=ann)

    again, created = signup_create(session=session, neighbour=ann)

    assert (again.pk, created) == (signup.pk, False)


# --- the pages for blocking and unblocking ----------------------------------------------------------------------

def test_a_request_page_offers_to_block_its_author(client, ann, bob):
    """Given Bob's request, when Ann opens it, then there is a "Block Bob" link to the confirmation page."""
    theirs = help_request(author=bob)
    client.force_login(ann)

    page = client.get(reverse("frontend:request_detail", args=[theirs.pk])).content.decode()

    assert reverse("frontend:block_confirm", args=[bob.pk]) in page
    assert "Block Bob" in page


def test_my_own_request_page_has_no_block_link(client, ann):
    """Given Ann's own request, when she opens it, then no block link is shown."""
    mine = help_request(author=ann)
    client.force_login(ann)

    page = client.get(reverse("frontend:request_detail", args=[mine.pk])).content.decode()

    assert reverse("frontend:block_confirm", args=[ann.pk]) not in page


def test_a_thread_page_offers_to_block_each_other_participant(client, ann, bob):
    """Given a thread between Ann and Bob, when Ann opens it, then she can block Bob from there (not herself)."""
    from tests.factories import chat_thread

    thread = chat_thread(ann, bob)
    client.force_login(ann)

    page = client.get(reverse("frontend:thread_detail", args=[thread.pk])).content.decode()

    assert reverse("frontend:block_confirm", args=[bob.pk]) in page
    assert reverse("frontend:block_confirm", args=[ann.pk]) not in page


def test_the_confirmation_page_explains_and_blocks_nothing_yet(client, ann, bob):
    """Given Ann follows a block link, when the confirmation page opens, then it explains what happens and no block
    exists yet."""
    client.force_login(ann)

    response = client.get(reverse("frontend:block_confirm", args=[bob.pk]))

    assert response.status_code == 200
    assert "They are not told that you blocked them." in response.content.decode()
    assert not ann.blocks.exists()


def test_confirming_blocks_the_person_and_lists_them_on_my_profile(client, ann, bob):
    """Given the confirmation page, when Ann confirms, then Bob is blocked and listed under "People I have blocked"
    on her profile, with an Unblock button."""
    client.force_login(ann)

    response = client.post(reverse("frontend:block_confirm", args=[bob.pk]), follow=True)

    assert list(ann.blocks.values_list("blocked_id", flat=True)) == [bob.pk]
    page = response.content.decode()
    assert "People I have blocked" in page
    assert "Unblock Bob" in page
    assert reverse("frontend:block_remove", args=[bob.pk]) in page


def test_unblocking_from_the_profile_lifts_the_block(client, ann, bob):
    """Given Ann blocked Bob, when she presses Unblock, then the block is gone and his posts show again."""
    block_create(blocker=ann, blocked=bob)
    theirs = help_request(author=bob)
    client.force_login(ann)

    response = client.post(reverse("frontend:block_remove", args=[bob.pk]), follow=True)

    assert not ann.blocks.exists()
    assert "You have not blocked anyone." in response.content.decode()
    assert client.get(reverse("frontend:request_detail", args=[theirs.pk])).status_code == 200


def test_blocking_myself_is_refused(client, ann):
    """Given Ann, when she posts a block of herself, then nothing is stored."""
    client.force_login(ann)

    client.post(reverse("frontend:block_confirm", args=[ann.pk]))

    assert not ann.blocks.exists()


def test_the_blocked_person_is_not_told(client, ann, bob):
    """Given Ann blocked Bob, when Bob opens his profile, then nothing there mentions Ann or a block of him."""
    block_create(blocker=ann, blocked=bob)
    client.force_login(bob)

    page = client.get(reverse("frontend:profile")).content.decode()

    assert "You have not blocked anyone." in page
    assert "Ann" not in page


def test_the_nearby_query_with_a_block_still_uses_the_spatial_index(ann, bob):
    """Given a block and a realistic spread of requests, when the viewer searches 5 km around a point, then the
    planner still answers from the GiST (or partial open) index, not a scan: blocked authors are excluded by value."""
    import random
    import re

    from django.db import connection
    from django.utils import timezone

    from geo.privacy import approximate_point
    from geo.selectors import within
    from neighbours.models import Category
    from requests.models import HelpRequest
    from requests.selectors import help_request_list_visible

    block_create(blocker=ann, blocked=bob)
    rng = random.Random(7)
    garden = Category.objects.get(slug="garden")
    rows = []
    for n in range(3000):
        spot = point(rng.uniform(58.0, 70.0), rng.uniform(5.0, 25.0))
        rows.append(HelpRequest(
            author=bob if n % 10 == 0 else ann, category=garden, title=f"r{n}", location=spot,
            location_approx=approximate_point(spot), expires_at=timezone.now(),
        ))
    HelpRequest.objects.bulk_create(rows)
    queryset = within(
        help_request_list_visible(viewer=ann).filter(status=HelpRequest.Status.OPEN),
        field="location_approx", point=point(62.47, 6.15), radius_km=5,
    ).order_by("distance")[:50]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE requests_helprequest")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "author_id" in sql
    assert re.search(r"Index Scan using (helprequest_open_near|requests_helprequest_location_approx_\w+)", plan), plan


def test_the_session_page_refuses_a_sign_up_across_a_block_with_a_neutral_message(client, blocked_pair):
    """Given a block between the viewer and the organiser, when the viewer presses "Sign up" on the session page,
    then no place is taken and the page says only that they cannot sign up."""
    viewer, author = blocked_pair
    session = group_session(offer=help_offer(author=author, category="digital"))
    client.force_login(viewer)

    response = client.post(reverse("frontend:session_signup", args=[session.pk]), follow=True)

    assert "You cannot sign up for this session." in response.content.decode()
    assert not session.signups.exists()
