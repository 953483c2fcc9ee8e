"""Reminders before sessions: who gets one, when, in which language, and never twice."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from chat.models import Notification
from offers.models import SignUp
from offers.sessions import session_cancel, session_reminders_send, signup_create, signup_create_assisted
from tests.factories import NeighbourFactory, agreement, group_session, seniors_association

pytestmark = pytest.mark.django_db


def seated(session, **fields):
    person = NeighbourFactory(**fields)
    signup_create(session=session, neighbour=person)
    return person


def test_people_with_a_seat_at_a_session_starting_within_the_lead_time_are_reminded(
    settings, django_capture_on_commit_callbacks
):
    """Given a session in 20 hours and a lead time of 24, a seated person gets a notification and an e-mail."""
    settings.DUGNAD_REMINDER_LEAD_HOURS = 24
    session = group_session(capacity=1, starts_in_hours=20)
    person = seated(session)
    seated(session)  # on the waiting list: no reminder

    with django_capture_on_commit_callbacks(execute=True):
        sent = session_reminders_send()

    assert sent == 1
    assert Notification.objects.filter(recipient=person, kind="session_reminder").count() == 1
    assert [message.to for message in mail.outbox] == [[person.email]]


def test_sessions_further_away_than_the_lead_time_are_not_reminded_yet(settings):
    settings.DUGNAD_REMINDER_LEAD_HOURS = 24
    session = group_session(starts_in_hours=30)
    seated(session)

    assert session_reminders_send() == 0


def test_a_reminder_is_sent_once_however_often_the_timer_runs(django_capture_on_commit_callbacks):
    session = group_session(starts_in_hours=3)
    seated(session)

    with django_capture_on_commit_callbacks(execute=True):
        first = session_reminders_send()
        second = session_reminders_send(now=timezone.now() + timedelta(minutes=15))

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    assert SignUp.objects.get().reminder_sent_at is not None


def test_cancelled_sessions_are_not_reminded():
    session = group_session(starts_in_hours=3)
    seated(session)
    session_cancel(session=session, by=session.offer.author)

    assert session_reminders_send() == 0


def test_the_reminder_e_mail_is_in_the_recipients_language(django_capture_on_commit_callbacks):
    session = group_session(starts_in_hours=3)
    seated(session, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        session_reminders_send()

    assert mail.outbox[0].subject.startswith("Reminder:")


def test_an_assisted_persons_reminder_goes_to_their_coordinator_with_the_phone_number(
    django_capture_on_commit_callbacks
):
    coordinator = NeighbourFactory()
    organisation = seniors_association(coordinators=[coordinator])
    session = group_session(starts_in_hours=3)
    signup_create_assisted(session=session, by=coordinator, organisation=organisation, name="Kari Nordmann",
                           phone="91234567")

    with django_capture_on_commit_callbacks(execute=True):
        session_reminders_send()

    assert mail.outbox[0].to == [coordinator.email]
    assert "Kari Nordmann" in mail.outbox[0].subject
    assert "91234567" in mail.outbox[0].body


def test_the_send_reminders_command_prints_how_many_it_sent():
    session = group_session(starts_in_hours=3)
    seated(session)
    out = StringIO()

    call_command("send_reminders", "--base-url", "https://dugnad.example", stdout=out)

    assert "1 session reminders and 0 agreement date reminders sent" in out.getvalue()


def test_the_send_reminders_command_also_reminds_both_sides_of_an_agreement_date(django_capture_on_commit_callbacks):
    """One timer covers both kinds of dates: the agreement's next date is reminded with a link to the agreement."""
    made = agreement(start=(timezone.now() + timedelta(hours=3)).replace(microsecond=0), recurrence="")
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--base-url", "https://dugnad.example", stdout=out)

    assert "0 session reminders and 1 agreement date reminders sent" in out.getvalue()
    assert Notification.objects.filter(kind="occurrence_reminder").count() == 2
    assert f"https://dugnad.example/agreements/{made.pk}/" in mail.outbox[-1].body


def test_reminder_e_mails_are_plain_text_without_html_escaping(django_capture_on_commit_callbacks):
    """Names and titles with apostrophes or ampersands arrive as written, not as HTML entities."""
    session = group_session(starts_in_hours=3, place="Café & bibliotek")
    seated(session, display_name="Ola O'Neill")

    with django_capture_on_commit_callbacks(execute=True):
        session_reminders_send()

    body = mail.outbox[0].body
    assert "Hello Ola O'Neill," in body
    assert "Café & bibliotek" in body
