"""Reports: anyone may report what they can see; one open report per person and thing."""

import pytest
from django.core.exceptions import ValidationError

from neighbours import moderation
from neighbours.models import Report
from tests.factories import NeighbourFactory, chat_message, chat_thread, help_offer, help_request

pytestmark = pytest.mark.django_db


def test_a_neighbour_reports_a_request_they_can_see(ann, bob):
    """Given Bob's open request, when Ann reports it as spam, then an open report is stored."""
    post = help_request(author=bob)

    report, created = moderation.report_create(reporter=ann, target_type="request", target_id=post.pk,
                                               reason="spam", note="Selling things")

    assert created
    assert (report.reporter, report.target_type, report.target_id, report.reason, report.status) == (
        ann, "request", post.pk, "spam", Report.Status.OPEN
    )


def test_reporting_the_same_thing_again_while_open_returns_the_first_report(ann, bob):
    """Given Ann's open report on Bob's offer, when she reports it again, then no second report is stored."""
    offer = help_offer(author=bob)
    first, _created = moderation.report_create(reporter=ann, target_type="offer", target_id=offer.pk, reason="spam")

    again, created = moderation.report_create(reporter=ann, target_type="offer", target_id=offer.pk, reason="abuse")

    assert not created
    assert again == first
    assert Report.objects.count() == 1


def test_an_unknown_kind_of_thing_is_refused(ann):
    """Given a made-up target type, when Ann reports it, then a field error names target_type."""
    with pytest.raises(ValidationError) as caught:
        moderation.report_create(reporter=ann, target_type="poem", target_id=1, reason="spam")

    assert "target_type" in caught.value.message_dict


def test_a_message_can_be_reported_only_by_a_participant_of_its_thread(ann, bob):
    """Given a message between Ann and Bob, when Carl (not in the thread) reports it, then it does not exist
    for him."""
    thread = chat_thread(ann, bob)
    message = chat_message(thread=thread, author=bob, body="Rude words")
    carl = NeighbourFactory()

    with pytest.raises(ValidationError) as caught:
        moderation.report_create(reporter=carl, target_type="message", target_id=message.pk, reason="abuse")

    assert "target_id" in caught.value.message_dict


def test_a_participant_reports_a_message_of_their_thread(ann, bob):
    """Given a message from Bob to Ann, when Ann reports it, then the report is stored."""
    message = chat_message(thread=chat_thread(ann, bob), author=bob, body="Rude words")

    _report, created = moderation.report_create(reporter=ann, target_type="message", target_id=message.pk,
                                                reason="abuse")

    assert created


def test_nobody_reports_their_own_content(ann):
    """Given Ann's own request, when she reports it, then it is refused."""
    post = help_request(author=ann)

    with pytest.raises(ValidationError):
        moderation.report_create(reporter=ann, target_type="request", target_id=post.pk, reason="spam")


def test_a_closed_request_of_someone_else_cannot_be_reported(ann, bob):
    """Given Bob's cancelled request (no longer visible to Ann), when Ann reports it, then it is refused."""
    from requests.services import help_request_cancel

    post = help_request(author=bob)
    help_request_cancel(help_request=post, by=bob)

    with pytest.raises(ValidationError):
        moderation.report_create(reporter=ann, target_type="request", target_id=post.pk, reason="spam")


def test_the_operators_admin_shows_a_reports_kind_and_reason_but_not_its_content(client, ann, bob):
    """Given Ann's report with a note on Bob's message, when the operator opens the report in the admin, then the
    page shows the type and reason but neither the message nor the note."""
    from django.urls import reverse

    message = chat_message(thread=chat_thread(ann, bob), author=bob, body="Rude words")
    report, _created = moderation.report_create(reporter=ann, target_type="message", target_id=message.pk,
                                                reason="abuse", note="He keeps insulting me")
    client.force_login(NeighbourFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:neighbours_report_change", args=[report.pk])).content.decode()

    assert "Rude or abusive" in page
    assert "Rude words" not in page
    assert "insulting" not in page


def test_the_operator_grants_the_moderator_role_in_the_neighbour_admin(client, bob):
    """Given the operator, when they open Bob in the admin, then the page has the moderator field."""
    from django.urls import reverse

    client.force_login(NeighbourFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:neighbours_neighbour_change", args=[bob.pk])).content.decode()

    assert 'name="is_moderator"' in page
