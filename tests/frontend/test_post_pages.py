import pytest
from django.urls import reverse

from geo.models import Place
from neighbours.services import neighbour_update_profile
from offers.models import HelpOffer
from requests.models import Agreement, HelpRequest, Response
from tests.factories import NeighbourFactory, help_offer, help_request, point

pytestmark = pytest.mark.django_db

HOME = (62.4722, 6.1495)


@pytest.fixture
def resident(client):
    neighbour = neighbour_update_profile(neighbour=NeighbourFactory(), home=point(*HOME))
    client.force_login(neighbour)
    return neighbour


def request_form(**overrides):
    return {"category": "garden", "title": "Mow my lawn", "description": "", "needed_from": "", "needed_until": "",
            "recurrence": "", "address": "", "lat": "", "lon": "", **overrides}


def test_browse_pages_require_login(client):
    for name in ("frontend:request_list", "frontend:offer_list", "frontend:request_create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("frontend:login"))


def test_the_nearby_list_shows_open_requests_within_the_distance(client, resident):
    near = help_request(location=point(HOME[0], HOME[1] + 0.02), title="Near one")
    help_request(location=point(HOME[0], HOME[1] + 0.5), title="Far one")

    page = client.get(reverse("frontend:request_list"), {"radius_km": 5}).text

    assert "Near one" in page
    assert "Far one" not in page
    assert reverse("frontend:request_detail", args=[near.pk]) in page
    assert 'data-geojson-url="/api/v1/requests/geojson/?' in page


def test_posting_with_a_pin_from_the_map(client, resident):
    response = client.post(reverse("frontend:request_create"), request_form(lat="62.4701", lon="6.1502"))

    posted = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:request_detail", args=[posted.pk])
    assert (posted.location.y, posted.location.x) == (62.4701, 6.1502)


def test_posting_with_an_address_from_the_gazetteer(client, resident):
    Place.objects.create(name="Storgata 12", municipality="Ålesund", point=point(62.4724, 6.1518))

    client.post(reverse("frontend:request_create"), request_form(address="Storgata 12"))

    assert (HelpRequest.objects.get().location.y, HelpRequest.objects.get().location.x) == (62.4724, 6.1518)


def test_an_unknown_address_is_a_field_error(client, resident):
    response = client.post(reverse("frontend:request_create"), request_form(address="Nowhere Road 999"))

    assert response.status_code == 200
    assert "We could not find this address" in response.text
    assert not HelpRequest.objects.exists()


def test_without_home_or_place_the_form_asks_for_a_place(client):
    client.force_login(NeighbourFactory())

    response = client.post(reverse("frontend:request_create"), request_form())

    assert response.status_code == 200
    assert "add your home address" in response.text
    assert not HelpRequest.objects.exists()


def test_respond_then_accept_through_the_pages(client, resident):
    wanted = help_request(author=resident)
    helper = NeighbourFactory(display_name="Helpful Hilde")
    client.force_login(helper)
    stranger_view = client.get(reverse("frontend:request_detail", args=[wanted.pk])).text
    client.post(reverse("frontend:request_respond", args=[wanted.pk]), {"message": "I have a mower"})
    client.force_login(resident)
    author_view = client.get(reverse("frontend:request_detail", args=[wanted.pk])).text

    client.post(reverse("frontend:response_accept", args=[Response.objects.get().pk]))

    assert "I can help" in stranger_view
    assert "Accept help from Helpful Hilde" in author_view
    assert Agreement.objects.filter(request=wanted, helper=helper).exists()


def test_nobody_edits_someone_elses_request_through_the_pages(client, resident):
    theirs = help_request()

    response = client.post(reverse("frontend:request_edit", args=[theirs.pk]), request_form(title="Mine now"))

    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.title == "Mow my lawn"


def test_the_author_cancels_a_request(client, resident):
    mine = help_request(author=resident)

    client.post(reverse("frontend:request_cancel", args=[mine.pk]))

    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_offers_are_posted_and_paused_through_the_pages(client, resident):
    client.post(reverse("frontend:offer_create"), {"category": "pets", "title": "Dog walks", "description": "",
                                                   "radius_km": "2", "address": "", "lat": "", "lon": ""})
    offer = HelpOffer.objects.get()

    client.post(reverse("frontend:offer_set_status", args=[offer.pk]), {"status": "paused"})

    offer.refresh_from_db()
    assert (offer.author, offer.status, float(offer.radius_km)) == (resident, "paused", 2.0)


def test_the_home_page_shows_my_feed(client, resident):
    help_offer(location=point(HOME[0], HOME[1] + 0.01), title="Lawn mowing nearby")

    page = client.get(reverse("frontend:home")).text

    assert "Lawn mowing nearby" in page


def test_asking_for_an_offer_and_the_offerer_saying_yes_through_the_pages(client, resident):
    offer = help_offer(title="Dog walks on weekdays", category="pets")
    client.post(reverse("frontend:offer_ask", args=[offer.pk]), {"message": "My dog Tass needs a walk"})
    client.force_login(offer.author)
    offerer_view = client.get(reverse("frontend:offer_detail", args=[offer.pk])).text

    ask = offer.asks.get()
    client.post(reverse("frontend:offer_ask_answer", args=[ask.pk]), {"answer": "accept"})

    assert "My dog Tass needs a walk" in offerer_view
    ask.refresh_from_db()
    assert ask.status == "accepted"
    assert Agreement.objects.filter(helper=offer.author, requester=resident).exists()


def test_the_author_edits_an_offer_and_nobody_else_can(client, resident):
    mine = help_offer(author=resident, title="Dog walks")
    form = {"category": "pets", "title": "Dog walks, also weekends", "description": "", "radius_km": "4",
            "address": "", "lat": "", "lon": ""}
    client.post(reverse("frontend:offer_edit", args=[mine.pk]), form)
    client.force_login(NeighbourFactory())
    refused = client.post(reverse("frontend:offer_edit", args=[mine.pk]), {**form, "title": "Mine now"})

    mine.refresh_from_db()
    assert (mine.title, float(mine.radius_km)) == ("Dog walks, also weekends", 4.0)
    assert refused.status_code == 403
