"""The agreement API: my agreements, proposals and their decisions, subscription links (status codes and shapes)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from requests.models import Occurrence, Proposal
from tests.factories import NeighbourFactory, agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(ann, bob):
    return agreement(requester=ann, helper=bob)


def proposals_url(deal):
    return reverse("api:agreement-proposals", args=[deal.pk])


def first(deal):
    return deal.occurrences.order_by("starts_at").first()


def propose_move(api_client, deal, by, **extra):
    api_client.force_authenticate(by)
    occurrence = first(deal)
    return api_client.post(proposals_url(deal), {
        "action": "move", "occurrence": occurrence.pk,
        "starts_at": (occurrence.starts_at - timedelta(days=1)).isoformat(), **extra,
    }, format="json")


def test_my_agreements_lists_only_mine(api_client, deal, ann):
    agreement()  # someone else's
    api_client.force_authenticate(ann)

    response = api_client.get(reverse("api:agreement-list"))

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [deal.pk]
    assert response.json()["results"][0]["title"] == "Mow the pitch"


def test_an_agreement_shows_its_dates_with_sequence_and_its_proposals(api_client, deal, ann, bob):
    propose_move(api_client, deal, bob)
    api_client.force_authenticate(ann)

    body = api_client.get(reverse("api:agreement-detail", args=[deal.pk])).json()

    assert set(body["occurrences"][0]) == {"id", "starts_at", "ends_at", "status", "sequence"}
    assert [p["status"] for p in body["proposals"]] == ["pending"]


def test_proposing_answers_201_with_the_proposal(api_client, deal, bob):
    response = propose_move(api_client, deal, bob, note="match on Saturday")

    assert response.status_code == 201
    body = response.json()
    assert (body["action"], body["status"], body["side"], body["note"]) == ("move", "pending", "helper",
                                                                            "match on Saturday")
    assert body["proposed_by"]["id"] == bob.pk
    assert body["message"] is not None


def test_proposing_on_someone_elses_agreement_is_404(api_client, deal):
    response = propose_move(api_client, deal, NeighbourFactory())

    assert response.status_code == 404
    assert not Proposal.objects.exists()


def test_an_occurrence_of_another_agreement_is_a_400_on_occurrence(api_client, deal, bob):
    other = agreement()
    api_client.force_authenticate(bob)

    response = api_client.post(proposals_url(deal), {"action": "skip", "occurrence": first(other).pk}, format="json")

    assert response.status_code == 400
    assert "occurrence" in response.json()


def test_moving_into_the_past_is_a_400_on_starts_at(api_client, deal, bob):
    api_client.force_authenticate(bob)

    response = api_client.post(proposals_url(deal), {
        "action": "move", "occurrence": first(deal).pk, "starts_at": "2001-01-01T10:00:00+01:00"}, format="json")

    assert response.status_code == 400
    assert "starts_at" in response.json()


def test_an_unknown_action_is_a_400(api_client, deal, bob):
    api_client.force_authenticate(bob)

    response = api_client.post(proposals_url(deal), {"action": "cancel"}, format="json")

    assert response.status_code == 400
    assert "action" in response.json()


def test_the_other_side_accepts_with_200_and_the_date_moves(api_client, deal, ann, bob):
    proposal = propose_move(api_client, deal, bob).json()
    api_client.force_authenticate(ann)

    response = api_client.post(reverse("api:proposal-accept", args=[proposal["id"]]))

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    occurrence = Occurrence.objects.get(pk=proposal["occurrence"])
    assert occurrence.starts_at.isoformat() == Proposal.objects.get(pk=proposal["id"]).starts_at.isoformat()


def test_accepting_my_own_proposal_is_403(api_client, deal, bob):
    proposal = propose_move(api_client, deal, bob).json()

    response = api_client.post(reverse("api:proposal-accept", args=[proposal["id"]]))

    assert response.status_code == 403


def test_deciding_twice_is_409(api_client, deal, ann, bob):
    proposal = propose_move(api_client, deal, bob).json()
    api_client.force_authenticate(ann)
    api_client.post(reverse("api:proposal-decline", args=[proposal["id"]]))

    response = api_client.post(reverse("api:proposal-accept", args=[proposal["id"]]))

    assert response.status_code == 409


def test_a_stranger_deciding_gets_404(api_client, deal, bob):
    proposal = propose_move(api_client, deal, bob).json()
    api_client.force_authenticate(NeighbourFactory())

    assert api_client.post(reverse("api:proposal-accept", args=[proposal["id"]])).status_code == 404


def test_the_proposer_withdraws_with_200(api_client, deal, bob):
    proposal = propose_move(api_client, deal, bob).json()

    response = api_client.post(reverse("api:proposal-withdraw", args=[proposal["id"]]))

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_the_proposal_list_shows_pending_and_decided(api_client, deal, ann, bob):
    proposal = propose_move(api_client, deal, bob).json()
    api_client.force_authenticate(ann)
    api_client.post(reverse("api:proposal-decline", args=[proposal["id"]]))

    response = api_client.get(proposals_url(deal))

    assert response.status_code == 200
    assert [(p["id"], p["status"]) for p in response.json()] == [(proposal["id"], "declined")]


def test_a_subscription_link_is_made_and_stopped_through_the_api(api_client, client, deal, ann):
    api_client.force_authenticate(ann)
    url = reverse("api:agreement-calendar-feed", args=[deal.pk])

    made = api_client.post(url)

    assert made.status_code == 201
    link = made.json()["url"]
    assert made.json()["webcal_url"].startswith("webcal://")
    assert client.get(link).status_code == 200
    assert api_client.delete(url).status_code == 204
    assert client.get(link).status_code == 404


def test_a_stranger_cannot_make_a_subscription_link(api_client, deal):
    api_client.force_authenticate(NeighbourFactory())

    assert api_client.post(reverse("api:agreement-calendar-feed", args=[deal.pk])).status_code == 404


def test_an_occurrence_that_does_not_exist_is_a_400_on_occurrence(api_client, deal, bob):
    api_client.force_authenticate(bob)

    response = api_client.post(proposals_url(deal), {"action": "skip", "occurrence": 987654}, format="json")

    assert response.status_code == 400
    assert "occurrence" in response.json()


def test_a_date_far_in_the_future_is_a_400_not_an_error(api_client, deal, bob):
    """A year like 9999 is a typo; it is refused on starts_at (and never overflows the date arithmetic)."""
    api_client.force_authenticate(bob)

    response = api_client.post(proposals_url(deal), {
        "action": "move", "occurrence": first(deal).pk, "starts_at": "9999-12-31T23:00:00Z"}, format="json")

    assert response.status_code == 400
    assert "starts_at" in response.json()
