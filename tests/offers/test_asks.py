import pytest
from django.urls import reverse

from chat.models import Notification, Participant
from neighbours.services import neighbour_update_profile
from offers.models import OfferAsk
from requests.models import HelpRequest
from tests.factories import NeighbourFactory, help_offer, point

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return help_offer(category="digital", title="Digipost for beginners")


@pytest.fixture
def asker():
    return neighbour_update_profile(neighbour=NeighbourFactory(), home=point(62.4730, 6.1510))


def ask(api_client, offer, asker, **body):
    api_client.force_authenticate(asker)
    return api_client.post(reverse("api:offer-asks", args=[offer.pk]), {"message": "Can you show me?", **body},
                           format="json")


def test_asking_for_an_offer_opens_a_thread_with_the_offerer_and_tells_them(api_client, offer, asker):
    response = ask(api_client, offer, asker)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    members = set(Participant.objects.filter(thread=body["thread"]).values_list("neighbour", flat=True))
    assert members == {asker.pk, offer.author_id}
    assert Notification.objects.filter(recipient=offer.author, kind="offer_asked").exists()


def test_asking_twice_while_waiting_or_for_my_own_offer_is_refused(api_client, offer, asker):
    ask(api_client, offer, asker)

    twice = ask(api_client, offer, asker)
    own = ask(api_client, offer, offer.author)

    assert twice.status_code == 409
    assert own.status_code == 400
    assert OfferAsk.objects.count() == 1


def test_the_offerer_accepts_and_gets_a_private_agreement(api_client, offer, asker):
    ask_id = ask(api_client, offer, asker).json()["id"]
    api_client.force_authenticate(offer.author)

    response = api_client.post(reverse("api:ask-accept", args=[ask_id]))

    assert response.status_code == 201
    agreement = response.json()
    assert {party["id"] for party in agreement["parties"]} == {asker.pk, offer.author_id}
    private = HelpRequest.objects.get(pk=agreement["request"])
    assert (private.author, private.status, private.category_id) == (asker, "matched", offer.category_id)
    api_client.force_authenticate(NeighbourFactory())
    listed = api_client.get(reverse("api:request-list")).json()["results"]
    assert private.pk not in [item["id"] for item in listed]


def test_only_the_offerer_answers_and_only_once(api_client, offer, asker):
    ask_id = ask(api_client, offer, asker).json()["id"]

    by_asker = api_client.post(reverse("api:ask-accept", args=[ask_id]))
    api_client.force_authenticate(NeighbourFactory())
    by_stranger = api_client.post(reverse("api:ask-decline", args=[ask_id]))
    api_client.force_authenticate(offer.author)
    declined = api_client.post(reverse("api:ask-decline", args=[ask_id]))
    again = api_client.post(reverse("api:ask-accept", args=[ask_id]))

    assert by_asker.status_code == 403
    assert by_stranger.status_code == 404
    assert declined.json()["status"] == "declined"
    assert again.status_code == 409
    assert Notification.objects.filter(recipient=asker, kind="offer_ask_declined").exists()


def test_the_offerer_sees_every_request_and_others_only_their_own(api_client, offer, asker):
    ask(api_client, offer, asker)
    other = neighbour_update_profile(neighbour=NeighbourFactory(), home=point(62.47, 6.15))
    ask(api_client, offer, other)

    api_client.force_authenticate(offer.author)
    everything = api_client.get(reverse("api:offer-asks", args=[offer.pk])).json()
    api_client.force_authenticate(other)
    own = api_client.get(reverse("api:offer-asks", args=[offer.pk])).json()

    assert len(everything) == 2
    assert [item["asker"]["id"] for item in own] == [other.pk]


def test_a_paused_offer_cannot_be_asked_for(api_client, offer, asker):
    from offers.services import help_offer_update

    help_offer_update(offer=offer, editor=offer.author, status="paused")

    assert ask(api_client, offer, asker).status_code == 404
