"""A realistic small neighbourhood for the page-by-page checks (accessibility, keyboard, CSP): a club, a contractor
and a seniors' association; requests, offers and an agreement with a pending proposal; a full session with a waiting
list; conversations, notifications, an invitation and a referral. Everything is made through the services."""

import contextlib
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from chat.services import message_send
from neighbours.models import Membership, Organisation
from neighbours.moderation import report_create
from neighbours.services import block_create, email_verification_token, invitation_create, membership_add
from offers.services import offer_ask_create
from offers.sessions import signup_create, signup_create_assisted
from requests.agreements import proposal_create
from requests.referrals import referral_create
from requests.services import response_create
from tests.factories import (
    PASSWORD,
    NeighbourFactory,
    OrganisationFactory,
    agreement,
    group_session,
    help_offer,
    help_request,
    seniors_association,
)
from tests.live import daphne

__all__ = ["PASSWORD", "World", "build_world", "log_in", "outside_the_event_loop"]


@dataclass
class World:
    people: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


def outside_the_event_loop(function):
    """Runs ``function`` in a thread of its own and returns its result. The services broadcast after commit through
    ``async_to_sync``, which refuses to run in the test's thread, where Playwright's event loop runs."""
    result, errors = [], []

    def run():
        try:
            result.append(function())
        except Exception as exc:  # handed back to the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def build_world():
    """The world below, built outside Playwright's event loop (see ``outside_the_event_loop``)."""
    return outside_the_event_loop(_build_world)


def _build_world():
    """Ann (club admin, requester), Bob (contractor, helper), Cora (seniors' coordinator), Per (has a seat), Sigrid
    (waiting list), Ola (just registered, not verified). Returns the people and the ids the pages need."""
    ann = NeighbourFactory(email="ann@example.org", display_name="Ann")
    bob = NeighbourFactory(email="bob@example.org", display_name="Bob")
    cora = NeighbourFactory(email="cora@example.org", display_name="Cora")
    per = NeighbourFactory(email="per@example.org", display_name="Per")
    sigrid = NeighbourFactory(email="sigrid@example.org", display_name="Sigrid")
    ola = NeighbourFactory(email="ola@example.org", display_name="Ola", email_verified_at=None)
    mona = NeighbourFactory(email="mona@example.org", display_name="Mona", is_moderator=True)

    club = OrganisationFactory(name="Aspøy IL", kind=Organisation.Kind.CLUB)
    membership_add(organisation=club, neighbour=ann, role=Membership.Role.ADMIN)
    membership_add(organisation=club, neighbour=per, role=Membership.Role.MEMBER)
    contractor = OrganisationFactory(name="Hage & Hus AS", kind=Organisation.Kind.CONTRACTOR)
    membership_add(organisation=contractor, neighbour=bob, role=Membership.Role.ADMIN)
    association = seniors_association(coordinators=[cora], name="Aspøy Seniorforening")

    lawn = help_request(author=ann, title="Mow my lawn", description="The grass is long.", notify_nearby=False)
    response_create(help_request=lawn, responder=bob, message="I can come on Saturday.")
    shelves = help_request(author=sigrid, category="other", title="Put up two shelves", notify_nearby=False)
    referral_create(help_request=shelves, from_organisation=association, to_organisation=club, referred_by=cora,
                    note="Sigrid is one of ours.")

    deal = agreement(requester=ann, helper=bob, organisation=club, helper_organisation=contractor,
                     title="Mow the pitch")
    occurrence = deal.occurrences.order_by("starts_at").first()
    proposal_create(agreement=deal, proposed_by=bob, action="move", occurrence=occurrence,
                    starts_at=occurrence.starts_at + timedelta(days=1), note="Rain is forecast.")
    message_send(thread_id=deal.thread_id, author=ann, body="Thank you, see you then!")

    mowing = help_offer(author=bob, title="I mow lawns", description="Small gardens only.",
                        organisation=contractor)
    ask = offer_ask_create(offer=mowing, asker=per, message="Could you mow mine next week?")
    message_send(thread_id=ask.thread_id, author=bob, body="Yes, on Tuesday.")

    course = help_offer(author=cora, organisation=association, category="digital",
                        title="Digital Post for beginners")
    session = group_session(offer=course, capacity=2, place="Aspøy library")
    signup_create(session=session, neighbour=per)
    signup_create_assisted(session=session, by=cora, organisation=association, name="Kari", phone="+47 900 00 000")
    signup_create(session=session, neighbour=sigrid)
    evening = group_session(offer=course, capacity=10, starts_in_hours=72, place="Aspøy library")

    invitation = invitation_create(organisation=club, by=ann, email="new@example.org",
                                   base_url="http://testserver")

    # Trust and safety: a report in the moderators' queue (a post and a message), a block on Ann's profile.
    report_create(reporter=per, target_type="request", target_id=shelves.pk, reason="spam", note="Looks like an ad")
    thanks = deal.thread.messages.get(author=ann, body="Thank you, see you then!")
    report_create(reporter=bob, target_type="message", target_id=thanks.pk, reason="other", note="Test report")
    block_create(blocker=ann, blocked=ola)

    people = {"ann": ann, "bob": bob, "cora": cora, "per": per, "sigrid": sigrid, "ola": ola, "mona": mona}
    ids = {
        "lawn": lawn.pk, "shelves": shelves.pk, "agreement": deal.pk, "proposal": deal.proposals.first().pk,
        "thread": deal.thread_id, "ask_thread": ask.thread_id, "mowing": mowing.pk,
        "course": course.pk, "session": session.pk, "open_session": evening.pk, "club": club.pk,
        "contractor": contractor.pk,
        "association": association.pk, "invitation": invitation.token,
        "verify": email_verification_token(ola), "uidb64": urlsafe_base64_encode(force_bytes(ann.pk)),
        "reset_token": default_token_generator.make_token(ann), "per": per.pk, "bob_id": bob.pk,
        "now": timezone.now(),
    }
    return World(people=people, ids=ids)


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


@contextlib.contextmanager
def generous_daphne():
    """A daphne whose log-in limits (per address and per e-mail) do not get in the way of logging in page by page."""
    with daphne(DUGNAD_RATE_LOGIN="6000/min", DUGNAD_RATE_LOGIN_EMAIL="6000/min") as url:
        yield url
