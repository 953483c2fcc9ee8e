"""Agreement pages without JavaScript: my agreements, one agreement, proposing, deciding, calendar links, and the
proposal cards on the thread page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.models import Notification
from chat.services import notification_send
from neighbours.models import Membership
from requests.agreements import proposal_create
from requests.models import CalendarFeed, Occurrence, Proposal
from tests.factories import MembershipFactory, NeighbourFactory, OrganisationFactory, agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(ann, bob):
    club, firm = OrganisationFactory(name="Hessa BK"), OrganisationFactory(name="Plen AS")
    MembershipFactory(organisation=club, neighbour=ann, role=Membership.Role.COORDINATOR)
    MembershipFactory(organisation=firm, neighbour=bob, role=Membership.Role.ADMIN)
    return agreement(requester=ann, helper=bob, organisation=club, helper_organisation=firm)


def first(deal):
    return deal.occurrences.order_by("starts_at").first()


def detail(deal):
    return reverse("frontend:agreement_detail", args=[deal.pk])


def propose_move(client, deal, *, days=-1, note=""):
    occurrence = first(deal)
    new = occurrence.starts_at + timedelta(days=days)
    local = timezone.localtime(new)
    return client.post(reverse("frontend:agreement_propose", args=[deal.pk]), {
        "action": "move", "occurrence": occurrence.pk, "date": local.strftime("%Y-%m-%d"),
        "time": local.strftime("%H:%M"), "note": note,
    })


def test_my_agreements_page_lists_them_with_organisation_names(client, deal, ann):
    client.force_login(ann)

    response = client.get(reverse("frontend:agreement_list"))

    assert response.status_code == 200
    assert "Mow the pitch" in response.text
    assert "Hessa BK" in response.text
    assert "Plen AS" in response.text


def test_the_agreement_page_shows_parties_dates_and_the_conversation_link(client, deal, ann):
    client.force_login(ann)

    response = client.get(detail(deal))

    assert response.status_code == 200
    assert "Plen AS" in response.text
    assert reverse("frontend:thread_detail", args=[deal.thread_id]) in response.text
    assert response.text.count('class="card occurrence"') == deal.occurrences.count()
    assert "Get a subscription link" in response.text


def test_a_stranger_gets_404_for_the_agreement_page(client, deal):
    client.force_login(NeighbourFactory())

    assert client.get(detail(deal)).status_code == 404


def test_moving_a_date_from_the_page_makes_a_pending_proposal(client, deal, bob):
    client.force_login(bob)

    response = propose_move(client, deal, note="match on Saturday")

    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.action, proposal.status, proposal.note) == ("move", "pending", "match on Saturday")
    page = client.get(detail(deal)).text
    assert "Waiting for the other side to answer." in page
    assert "Take back my proposal" in page


def test_moving_into_the_past_shows_the_error_on_the_page(client, deal, bob):
    client.force_login(bob)

    response = client.post(reverse("frontend:agreement_propose", args=[deal.pk]), {
        "action": "move", "occurrence": first(deal).pk, "date": "2001-01-01", "time": "10:00"})

    assert response.status_code == 400
    assert "Choose a time in the future." in response.text
    assert not Proposal.objects.exists()


def test_the_other_side_accepts_from_the_agreement_page(client, deal, ann, bob):
    proposal = proposal_create(agreement=deal, proposed_by=bob, action="skip", occurrence=first(deal))
    client.force_login(ann)
    assert "Accept" in client.get(detail(deal)).text

    response = client.post(reverse("frontend:proposal_decide", args=[proposal.pk, "accept"]))

    assert response.status_code == 302
    assert Occurrence.objects.get(pk=first(deal).pk).status == Occurrence.Status.SKIPPED
    page = client.get(detail(deal)).text
    assert "Skipped dates" in page
    assert "Changes so far" in page


def test_the_decision_form_goes_back_to_a_local_next_page_only(client, deal, ann, bob):
    proposal = proposal_create(agreement=deal, proposed_by=bob, action="skip", occurrence=first(deal))
    client.force_login(ann)

    response = client.post(reverse("frontend:proposal_decide", args=[proposal.pk, "decline"]),
                           {"next": "https://evil.example/"})

    assert response["Location"] == detail(deal)


def test_the_thread_page_shows_a_proposal_card_with_accept_for_the_other_side(client, deal, ann, bob):
    proposal = proposal_create(agreement=deal, proposed_by=bob, action="skip", occurrence=first(deal))
    client.force_login(ann)

    page = client.get(reverse("frontend:thread_detail", args=[deal.thread_id])).text

    assert f'data-proposal="{proposal.pk}"' in page
    assert reverse("frontend:proposal_decide", args=[proposal.pk, "accept"]) in page
    assert "Propose a change" in page


def test_the_thread_page_shows_no_accept_button_to_the_proposer(client, deal, bob):
    proposal = proposal_create(agreement=deal, proposed_by=bob, action="skip", occurrence=first(deal))
    client.force_login(bob)

    page = client.get(reverse("frontend:thread_detail", args=[deal.thread_id])).text

    assert f'data-proposal="{proposal.pk}"' in page
    assert reverse("frontend:proposal_decide", args=[proposal.pk, "accept"]) not in page
    assert reverse("frontend:proposal_decide", args=[proposal.pk, "withdraw"]) in page


def test_a_subscription_link_is_made_and_renewed_from_the_page(client, deal, ann):
    client.force_login(ann)
    url = reverse("frontend:agreement_calendar_link", args=[deal.pk])

    client.post(url)
    first_token = CalendarFeed.objects.get().token
    client.post(url)

    assert CalendarFeed.objects.get().token != first_token
    page = client.get(detail(deal)).text
    assert CalendarFeed.objects.get().token in page
    assert "webcal://" in page


def test_a_decided_proposal_notification_links_to_the_agreement(client, deal, ann, bob):
    notification_send(recipient=bob, kind="proposal_decided",
                      payload={"agreement": deal.pk, "proposal": 1, "status": "accepted", "title": "Mow the pitch",
                               "thread": deal.thread_id, "from": ann.display_name})
    client.force_login(bob)

    page = client.get(reverse("frontend:notification_list")).text

    assert "accepted your proposed change" in page
    assert detail(deal) in page
    assert Notification.objects.filter(recipient=bob).exists()


def test_a_proposal_notification_links_to_the_agreement(client, deal, ann, bob):
    proposal_create(agreement=deal, proposed_by=bob, action="skip", occurrence=first(deal))
    client.force_login(ann)

    page = client.get(reverse("frontend:notification_list")).text

    assert "proposes to change a date" in page
    assert detail(deal) in page
