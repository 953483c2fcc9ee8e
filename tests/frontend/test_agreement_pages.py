"""Agreement pages without JavaScript: my agreements, one agreement, proposing, deciding, calendar links, and the
proposal cards on the thread page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.models import Notification
from chat.services import notification_send
from requests.agreements import proposal_create
from requests.models import CalendarFeed, Occurrence, Proposal
from tests.factories import NeighbourFactory

pytestmark = pytest.mark.django_db


def first(club_deal):
    return club_deal.occurrences.order_by("starts_at").first()


def detail(club_deal):
    return reverse("frontend:agreement_detail", args=[club_deal.pk])


def propose_move(client, club_deal, *, days=-1, note=""):
    occurrence = first(club_deal)
    new = occurrence.starts_at + timedelta(days=days)
    local = timezone.localtime(new)
    return client.post(reverse("frontend:agreement_propose", args=[club_deal.pk]), {
        "action": "move", "occurrence": occurrence.pk, "date": local.strftime("%Y-%m-%d"),
        "time": local.strftime("%H:%M"), "note": note,
    })


def test_my_agreements_page_lists_them_with_organisation_names(client, club_deal, ann):
    client.force_login(ann)

    response = client.get(reverse("frontend:agreement_list"))

    assert response.status_code == 200
    assert "Mow the pitch" in response.text
    assert "Hessa BK" in response.text
    assert "Plen AS" in response.text


def test_the_agreement_page_shows_parties_dates_and_the_conversation_link(client, club_deal, ann):
    client.force_login(ann)

    response = client.get(detail(club_deal))

    assert response.status_code == 200
    assert "Plen AS" in response.text
    assert reverse("frontend:thread_detail", args=[club_deal.thread_id]) in response.text
    assert response.text.count('class="card occurrence"') == club_deal.occurrences.count()
    assert "Get a subscription link" in response.text


def test_a_stranger_gets_404_for_the_agreement_page(client, club_deal):
    client.force_login(NeighbourFactory())

    assert client.get(detail(club_deal)).status_code == 404


def test_moving_a_date_from_the_page_makes_a_pending_proposal(client, club_deal, bob):
    client.force_login(bob)

    response = propose_move(client, club_deal, note="match on Saturday")

    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.action, proposal.status, proposal.note) == ("move", "pending", "match on Saturday")
    page = client.get(detail(club_deal)).text
    assert "Waiting for the other side to answer." in page
    assert "Take back my proposal" in page


def test_moving_into_the_past_shows_the_error_on_the_page(client, club_deal, bob):
    client.force_login(bob)

    response = client.post(reverse("frontend:agreement_propose", args=[club_deal.pk]), {
        "action": "move", "occurrence": first(club_deal).pk, "date": "2001-01-01", "time": "10:00"})

    assert response.status_code == 400
    assert "Choose a time in the future." in response.text
    assert not Proposal.objects.exists()


def test_the_other_side_accepts_from_the_agreement_page(client, club_deal, ann, bob):
    proposal = proposal_create(agreement=club_deal, proposed_by=bob, action="skip", occurrence=first(club_deal))
    client.force_login(ann)
    assert "Accept" in client.get(detail(club_deal)).text

    response = client.post(reverse("frontend:proposal_decide", args=[proposal.pk, "accept"]))

    assert response.status_code == 302
    assert Occurrence.objects.get(pk=first(club_deal).pk).status == Occurrence.Status.SKIPPED
    page = client.get(detail(club_deal)).text
    assert "Skipped dates" in page
    assert "Changes so far" in page


def test_the_decision_form_goes_back_to_a_local_next_page_only(client, club_deal, ann, bob):
    proposal = proposal_create(agreement=club_deal, proposed_by=bob, action="skip", occurrence=first(club_deal))
    client.force_login(ann)

    response = client.post(reverse("frontend:proposal_decide", args=[proposal.pk, "decline"]),
                           {"next": "https://evil.example/"})

    assert response["Location"] == detail(club_deal)


def test_the_thread_page_shows_a_proposal_card_with_accept_for_the_other_side(client, club_deal, ann, bob):
    proposal = proposal_create(agreement=club_deal, proposed_by=bob, action="skip", occurrence=first(club_deal))
    client.force_login(ann)

    page = client.get(reverse("frontend:thread_detail", args=[club_deal.thread_id])).text

    assert f'data-proposal="{proposal.pk}"' in page
    assert reverse("frontend:proposal_decide", args=[proposal.pk, "accept"]) in page
    assert "Propose a change" in page


def test_the_thread_page_shows_no_accept_button_to_the_proposer(client, club_deal, bob):
    proposal = proposal_create(agreement=club_deal, proposed_by=bob, action="skip", occurrence=first(club_deal))
    client.force_login(bob)

    page = client.get(reverse("frontend:thread_detail", args=[club_deal.thread_id])).text

    assert f'data-proposal="{proposal.pk}"' in page
    assert reverse("frontend:proposal_decide", args=[proposal.pk, "accept"]) not in page
    assert reverse("frontend:proposal_decide", args=[proposal.pk, "withdraw"]) in page


def test_a_subscription_link_is_made_and_renewed_from_the_page(client, club_deal, ann):
    client.force_login(ann)
    url = reverse("frontend:agreement_calendar_link", args=[club_deal.pk])

    client.post(url)
    first_token = CalendarFeed.objects.get().token
    client.post(url)

    assert CalendarFeed.objects.get().token != first_token
    page = client.get(detail(club_deal)).text
    assert CalendarFeed.objects.get().token in page
    assert "webcal://" in page


def test_a_decided_proposal_notification_links_to_the_agreement(client, club_deal, ann, bob):
    notification_send(recipient=bob, kind="proposal_decided",
                      payload={"agreement": club_deal.pk, "proposal": 1, "status": "accepted", "title": "Mow the pitch",
                               "thread": club_deal.thread_id, "from": ann.display_name})
    client.force_login(bob)

    page = client.get(reverse("frontend:notification_list")).text

    assert "accepted your proposed change" in page
    assert detail(club_deal) in page
    assert Notification.objects.filter(recipient=bob).exists()


def test_a_proposal_notification_links_to_the_agreement(client, club_deal, ann, bob):
    proposal_create(agreement=club_deal, proposed_by=bob, action="skip", occurrence=first(club_deal))
    client.force_login(ann)

    page = client.get(reverse("frontend:notification_list")).text

    assert "proposes to change a date" in page
    assert detail(club_deal) in page
