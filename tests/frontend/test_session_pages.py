"""Session pages: seats on the offer page, one-click sign-up and cancel, my sessions, the organiser's view, assisted
participation and its log."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from chat.models import Message
from offers.models import AssistedAction, Session, SignUp
from offers.selectors import session_list_upcoming_for_organisation
from offers.sessions import assisted_message_send, signup_cancel, signup_create, signup_create_assisted
from tests.factories import NeighbourFactory, group_session, seniors_association

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(offer):
    return group_session(offer=offer, capacity=1, place="The library")


@pytest.fixture
def senior(client):
    person = NeighbourFactory(display_name="Sigrid Senior")
    client.force_login(person)
    return person


def text(response):
    return " ".join(response.content.decode().split())


def test_the_offer_page_lists_upcoming_sessions_with_seats_left(client, senior, offer, session):
    response = client.get(reverse("frontend:offer_detail", args=[offer.pk]))

    assert response.status_code == 200
    assert "1 seat left" in text(response)
    assert "Sign up" in text(response)


def test_a_full_session_says_you_can_join_the_waiting_list(client, senior, offer, session):
    signup_create(session=session, neighbour=NeighbourFactory())

    response = client.get(reverse("frontend:offer_detail", args=[offer.pk]))

    assert "Full – you can join the waiting list" in text(response)


def test_one_click_sign_up_gives_a_seat_and_says_so(client, senior, session):
    response = client.post(reverse("frontend:session_signup", args=[session.pk]), follow=True)

    assert SignUp.objects.get(neighbour=senior).status == "confirmed"
    assert "You have a seat" in text(response)
    assert "Open the group conversation" in text(response)


def test_when_full_the_session_page_shows_my_place_on_the_waiting_list(client, senior, session):
    signup_create(session=session, neighbour=NeighbourFactory())
    signup_create(session=session, neighbour=NeighbourFactory())

    response = client.post(reverse("frontend:session_signup", args=[session.pk]), follow=True)

    assert "You are number 2 on the waiting list" in text(response)


def test_cancel_my_place_in_one_click(client, senior, session):
    signup_create(session=session, neighbour=senior)

    response = client.post(reverse("frontend:session_leave", args=[session.pk]), follow=True)

    assert SignUp.objects.get(neighbour=senior).status == "cancelled"
    assert "Your place is cancelled" in text(response)


def test_signing_up_for_a_session_that_is_over_shows_a_plain_message(client, senior, session):
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(hours=3),
                                                 ends_at=timezone.now() - timedelta(hours=1))

    response = client.post(reverse("frontend:session_signup", args=[session.pk]), follow=True)

    assert "already started or is over" in text(response)
    assert not SignUp.objects.exists()


def test_my_sessions_lists_my_places_and_is_in_the_menu(client, senior, session):
    signup_create(session=session, neighbour=senior)

    response = client.get(reverse("frontend:my_sessions"))

    assert reverse("frontend:my_sessions") in response.content.decode()
    assert "Digital Post for beginners" in text(response)
    assert "You have a seat" in text(response)


def test_organisers_add_a_session_from_the_offer_page(client, coordinator, offer):
    client.force_login(coordinator)
    start = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(reverse("frontend:session_create", args=[offer.pk]),
                           {"starts_at": start, "duration_minutes": 90, "capacity": 12, "place": "Library"})

    session = Session.objects.get()
    assert response.status_code == 302
    assert (session.capacity, (session.ends_at - session.starts_at).total_seconds()) == (12, 5400)


def test_a_session_in_the_past_is_refused_on_the_form(client, coordinator, offer):
    client.force_login(coordinator)
    start = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(reverse("frontend:session_create", args=[offer.pk]),
                           {"starts_at": start, "duration_minutes": 90, "capacity": 12, "place": ""})

    assert response.status_code == 400
    assert "must start in the future" in text(response)


def test_the_organiser_view_is_for_organisers_only(client, senior, session):
    response = client.get(reverse("frontend:session_organise", args=[session.pk]))

    assert response.status_code == 403


def test_the_organiser_sees_seats_and_the_waiting_list_and_marks_attendance(client, coordinator, session):
    seated, _ = signup_create(session=session, neighbour=NeighbourFactory(display_name="Per Seated"))
    signup_create(session=session, neighbour=NeighbourFactory(display_name="Wenche Waiting"))
    client.force_login(coordinator)

    page = text(client.get(reverse("frontend:session_organise", args=[session.pk])))
    client.post(reverse("frontend:session_attendance", args=[session.pk]), {"present": [seated.pk]})

    assert "Per Seated" in page
    assert "Wenche Waiting" in page
    seated.refresh_from_db()
    assert seated.attended is True


def test_lowering_seats_below_the_seated_shows_the_reason(client, coordinator, session):
    signup_create(session=session, neighbour=NeighbourFactory())
    client.force_login(coordinator)
    start = timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M")

    response = client.post(reverse("frontend:session_organise", args=[session.pk]),
                           {"starts_at": start, "duration_minutes": 120, "capacity": 1, "place": "Library"})
    assert response.status_code == 302  # one seat for one person is fine
    signup_create(session=session, neighbour=NeighbourFactory())
    session_two = group_session(offer=session.offer, capacity=2)
    signup_create(session=session_two, neighbour=NeighbourFactory())
    signup_create(session=session_two, neighbour=NeighbourFactory())
    start = timezone.localtime(session_two.starts_at).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("frontend:session_organise", args=[session_two.pk]),
                           {"starts_at": start, "duration_minutes": 120, "capacity": 1, "place": "Library"})

    assert response.status_code == 400
    assert "2 people already have a seat" in text(response)


def test_a_coordinator_signs_up_a_member_by_name_and_phone_from_the_organiser_view(client, coordinator, session,
                                                                                    association):
    client.force_login(coordinator)

    response = client.post(reverse("frontend:session_assisted_signup", args=[session.pk]),
                           {"name": "Kari Nordmann", "phone": "912 34 567", "organisation": association.pk},
                           follow=True)

    assert "Kari Nordmann has a seat" in text(response)
    assert SignUp.objects.get(name="Kari Nordmann").signed_up_by == coordinator


def test_the_assisted_log_page_is_for_the_organisations_coordinators(client, coordinator, session, association,
                                                                     senior):
    signup_create_assisted(session=session, by=coordinator, organisation=association,
                           name="Kari Nordmann", phone="91234567")
    url = reverse("frontend:organisation_assisted", args=[association.pk])

    assert client.get(url).status_code == 404
    client.force_login(coordinator)
    page = text(client.get(url))

    assert "Kari Nordmann" in page
    assert "Signed up" in page


def test_writing_on_behalf_from_the_log_page_shows_as_via_the_coordinator_in_the_thread(client, coordinator,
                                                                                        session, association):
    signup, _ = signup_create_assisted(session=session, by=coordinator, organisation=association,
                                       name="Kari Nordmann", phone="91234567")
    client.force_login(coordinator)

    response = client.post(reverse("frontend:signup_message", args=[signup.pk]),
                           {"body": "Kari comes by taxi"}, follow=True)

    assert Message.objects.get().data["on_behalf_of"]["name"] == "Kari Nordmann"
    assert "Kari Nordmann (via Coordinator Cora)" in text(response)
    assert AssistedAction.objects.filter(action="message").exists()


def test_the_thread_page_shows_who_a_message_was_written_for(client, coordinator, session, association):
    signup, _ = signup_create_assisted(session=session, by=coordinator, organisation=association,
                                       name="Kari Nordmann", phone="91234567")
    assisted_message_send(signup=signup, by=coordinator, body="Kari says thank you")
    client.force_login(coordinator)

    response = client.get(reverse("frontend:thread_detail", args=[session.thread_id]))

    assert "Kari Nordmann (via Coordinator Cora)" in text(response)


def test_the_organisation_sessions_fragment_lists_upcoming_sessions(session, association):
    html = render_to_string("frontend/organisations/_sessions.html",
                            {"sessions": session_list_upcoming_for_organisation(association)})

    assert "Digital Post for beginners" in html
    assert "1 seat left" in " ".join(html.split())


def test_notifications_about_sessions_read_plainly(client, senior, session):
    signup_create(session=session, neighbour=NeighbourFactory())
    signup_create(session=session, neighbour=senior)
    first = SignUp.objects.filter(status="confirmed").get()

    signup_cancel(signup=first, by=first.neighbour)

    response = client.get(reverse("frontend:notification_list"))
    assert "Good news: you now have a seat" in text(response)


def test_a_coordinator_of_another_association_signs_up_a_member_from_the_session_page(client, session):
    """A coordinator who does not organise the session finds the assisted sign-up form on the session page, and the
    place appears in their organisation's log."""
    helper = NeighbourFactory(display_name="Helga Helper")
    other = seniors_association(coordinators=[helper], name="Nørvøy Seniorlag")
    client.force_login(helper)

    page = text(client.get(reverse("frontend:session_detail", args=[session.pk])))
    response = client.post(reverse("frontend:session_assisted_signup", args=[session.pk]),
                           {"name": "Kari Nordmann", "phone": "912 34 567", "organisation": other.pk}, follow=True)
    log = text(client.get(reverse("frontend:organisation_assisted", args=[other.pk])))

    assert "Sign up someone without a device" in page
    assert "Kari Nordmann has a seat" in text(response)
    assert "Kari Nordmann" in log


def test_a_bad_phone_number_on_the_assisted_form_is_shown_plainly(client, session):
    helper = NeighbourFactory()
    other = seniors_association(coordinators=[helper])
    client.force_login(helper)

    response = client.post(reverse("frontend:session_assisted_signup", args=[session.pk]),
                           {"name": "Kari Nordmann", "phone": "ring me", "organisation": other.pk})

    assert response.status_code == 400
    assert "Write a phone number" in text(response)


def test_organisers_find_the_new_session_form_on_the_offer_page_and_others_do_not(client, coordinator, offer,
                                                                                  senior):
    assert "New session" not in text(client.get(reverse("frontend:offer_detail", args=[offer.pk])))

    client.force_login(coordinator)
    page = text(client.get(reverse("frontend:offer_detail", args=[offer.pk])))

    assert "New session" in page
    assert reverse("frontend:session_create", args=[offer.pk]) in page
