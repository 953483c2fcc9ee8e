"""Walks EVERY API route under /api/v1/ and calls each method its view allows as an anonymous visitor, as a stranger
and as the owner of the data, checking who may do what.

- anonymous: 401/403, except the routes listed as PUBLIC;
- stranger (a verified neighbour with nothing to do with the data): 403/404 where the route is about someone else's
  private data (DENY), never a 500; where any neighbour may act (SHARED: reading an open request, answering it,
  following an organisation, signing up for a session; MINE: lists and actions on the caller's own account) any
  non-5xx answer, and a 200 never contains the owner's private data;
- owner: 2xx, or 400 for a body the walker does not fill in (never a 500).

Every route must have an entry in ROUTES: a new route without one fails ``test_every_api_route_is_classified``.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.factories import NeighbourFactory

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # anyone, logged in or not
MINE = "mine"  # about the caller's own account, or creating something new: a stranger acts on their own
SHARED = "shared"  # any neighbour may read or act (answer a request, follow, sign up): stranger any non-5xx
DENY = "deny"  # someone else's private data: stranger 403/404

METHODS = ("get", "post", "put", "patch", "delete")

# route name -> (the data-set key filling its arguments, {method: access})
ROUTES = {
    # neighbours/
    "register": ({}, {"post": PUBLIC}),
    "token": ({}, {"post": PUBLIC, "delete": MINE}),
    # DELETE erases the caller's own account; without the password in the body it answers 400.
    "me": ({}, {"get": MINE, "patch": MINE, "delete": MINE}),
    "me-export": ({}, {"get": MINE}),
    "blocks": ({}, {"get": MINE, "post": MINE}),
    "block-detail": ({"neighbour_id": "blocked"}, {"delete": MINE}),
    "my-follows": ({}, {"get": MINE}),
    "organisation-list": ({}, {"get": MINE, "post": MINE}),
    "organisation-detail": ({"pk": "organisation"}, {"get": SHARED, "patch": DENY, "delete": DENY}),
    "organisation-members": ({"pk": "organisation"}, {"get": SHARED, "post": DENY}),  # others: count, admins
    "organisation-member": ({"pk": "organisation", "neighbour_id": "member"}, {"patch": DENY, "delete": DENY}),
    "organisation-invitations": ({"pk": "organisation"}, {"get": DENY, "post": DENY}),
    "organisation-follow": ({"pk": "organisation"}, {"post": SHARED, "delete": SHARED}),
    # The token in the link is the key: whoever holds it may join (that is what an invitation link is for).
    "invitation-accept": ({"token": "invitation_token"}, {"post": SHARED}),
    "invitation-detail": ({"pk": "invitation"}, {"delete": DENY}),
    "reports": ({}, {"post": MINE}),  # anyone may report what they can see
    # Community moderators only; for everyone else these routes do not exist (404), the owner included.
    "moderation-queue": ({}, {"get": DENY}),
    "moderation-decisions": ({}, {"post": DENY}),
    # An organisation's admin may mark its members as verified neighbours.
    "neighbour-verified": ({"neighbour_id": "member"}, {"put": DENY, "delete": DENY}),
    # requests/
    "categories": ({}, {"get": MINE}),  # the list needs a login, though nothing in it is private
    "request-list": ({}, {"get": MINE, "post": MINE}),
    "request-geojson": ({}, {"get": MINE}),
    "request-detail": ({"pk": "request"}, {"get": SHARED, "patch": DENY, "delete": DENY}),
    "request-responses": ({"pk": "request"}, {"get": SHARED, "post": SHARED}),  # others see their own only
    "request-referrals": ({"pk": "request"}, {"post": DENY}),
    "organisation-referrals": ({"pk": "organisation"}, {"get": DENY}),
    "referral-decline": ({"pk": "referral"}, {"post": DENY}),
    "response-accept": ({"pk": "response"}, {"post": DENY}),
    "agreement-list": ({}, {"get": MINE}),
    "agreement-detail": ({"pk": "agreement"}, {"get": DENY}),
    "agreement-occurrences": ({"pk": "agreement"}, {"get": DENY}),
    "agreement-proposals": ({"pk": "agreement"}, {"get": DENY, "post": DENY}),
    "agreement-calendar": ({"pk": "agreement"}, {"get": DENY}),
    "agreement-calendar-feed": ({"pk": "agreement"}, {"post": DENY, "delete": DENY}),
    "proposal-accept": ({"pk": "proposal"}, {"post": DENY}),
    "proposal-decline": ({"pk": "proposal"}, {"post": DENY}),
    "proposal-withdraw": ({"pk": "own_proposal"}, {"post": DENY}),
    # offers/
    "offer-list": ({}, {"get": MINE, "post": MINE}),
    "offer-geojson": ({}, {"get": MINE}),
    "offer-detail": ({"pk": "offer"}, {"get": SHARED, "patch": DENY, "delete": DENY}),
    "request-matches": ({"pk": "request"}, {"get": DENY}),
    "feed": ({}, {"get": MINE}),
    "offer-asks": ({"pk": "offer"}, {"get": SHARED, "post": SHARED}),  # others see their own only
    "ask-accept": ({"pk": "ask"}, {"post": DENY}),
    "ask-decline": ({"pk": "ask"}, {"post": DENY}),
    "offer-sessions": ({"pk": "offer"}, {"get": SHARED, "post": DENY}),
    "session-detail": ({"pk": "session"}, {"get": SHARED, "patch": DENY, "delete": DENY}),
    "session-signup": ({"pk": "session"}, {"get": SHARED, "post": SHARED, "delete": SHARED}),
    "session-signups": ({"pk": "session"}, {"get": DENY, "post": DENY}),
    "signup-detail": ({"pk": "signup"}, {"patch": DENY, "delete": DENY}),
    "my-sessions": ({}, {"get": MINE}),
    # chat/
    "thread-list": ({}, {"get": MINE}),
    "thread-detail": ({"pk": "thread"}, {"get": DENY}),
    "thread-messages": ({"pk": "thread"}, {"get": DENY, "post": DENY}),
    "thread-read": ({"pk": "thread"}, {"post": DENY}),
    "notification-list": ({}, {"get": MINE}),
    "notification-read": ({}, {"post": MINE}),
    # geo/
    "geocode": ({}, {"get": MINE}),
}

# What the owner may get besides 2xx and 400, and why.
OWNER_ALSO = {
    # The organisation still has an open request, an offer and a session: it cannot be deleted yet.
    ("organisation-detail", "delete"): {409},
    # The owner is no moderator.
    ("moderation-queue", "get"): {404},
    ("moderation-decisions", "post"): {404},
}

# A stranger posting an empty body to a private route may be told 400: the body is checked before the permission,
# and the answer names only the missing fields, nothing of the data.
STRANGER_EMPTY_BODY = {400}


def api_routes():
    """(name, view class, as_view() arguments) for every route under the ``api`` namespace."""
    found = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "api":
                view = getattr(pattern.callback, "view_class", None) or pattern.callback.cls
                found.append((pattern.name, view, getattr(pattern.callback, "view_initkwargs", {})))

    walk(get_resolver().url_patterns, None)
    return found


def allowed_methods(view, initkwargs):
    names = initkwargs.get("http_method_names", view.http_method_names)
    return [method for method in METHODS if hasattr(view, method) and method in names]


def test_every_api_route_is_classified():
    """Given config.urls, then every API route and every method its view allows has an entry in ROUTES."""
    found = {name: allowed_methods(view, initkwargs) for name, view, initkwargs in api_routes()}

    missing = {name: methods for name, methods in found.items()
               if name not in ROUTES or set(methods) != set(ROUTES[name][1])}
    assert missing == {}, f"classify these routes and methods in ROUTES: {missing}"
    assert ROUTES.keys() - found.keys() == set()


def _cases():
    return [(name, method) for name, (_args, access) in ROUTES.items() for method in access]


def build_data():
    """The owner's world: an organisation they run (a seniors' association), an open request with an answer, an
    agreement with proposals both ways, an offer with an ask and a session with a sign-up, a thread, a referral to
    their organisation, an invitation they sent and one sent to them, a block."""
    from datetime import timedelta

    from neighbours.models import Membership
    from neighbours.services import block_create, invitation_create, membership_add
    from offers.services import offer_ask_create
    from offers.sessions import signup_create
    from requests.agreements import proposal_create
    from requests.referrals import referral_create
    from requests.services import response_create
    from tests.factories import (
        OrganisationFactory,
        agreement,
        group_session,
        help_offer,
        help_request,
        seniors_association,
    )

    owner = NeighbourFactory(display_name="Owner")
    helper = NeighbourFactory(display_name="Helper")
    member = NeighbourFactory(display_name="Member")
    blocked = NeighbourFactory(display_name="Blocked")
    organisation = seniors_association(admins=[owner], name="Owner's association")
    membership_add(organisation=organisation, neighbour=member, role=Membership.Role.MEMBER)
    partner = OrganisationFactory(name="Partner")
    membership_add(organisation=partner, neighbour=helper, role=Membership.Role.ADMIN)

    request = help_request(author=owner, title="Open errand", notify_nearby=False)
    response = response_create(help_request=request, responder=helper, message="I can help")
    referred = help_request(author=helper, notify_nearby=False, title="Someone else's")
    referral = referral_create(help_request=referred, from_organisation=partner, to_organisation=organisation,
                               referred_by=helper)

    deal = agreement(requester=owner, helper=helper, title="Weekly shopping")
    first, second = deal.occurrences.order_by("starts_at")[:2]
    proposal = proposal_create(agreement=deal, proposed_by=helper, action="skip", occurrence=first)
    own_proposal = proposal_create(agreement=deal, proposed_by=owner, action="move", occurrence=second,
                                   starts_at=second.starts_at + timedelta(days=1))

    offer = help_offer(author=owner, organisation=organisation, category="digital", title="Phone help")
    ask = offer_ask_create(offer=offer, asker=helper, message="Could you help me?")
    session = group_session(offer=offer, capacity=5)
    signup, _created = signup_create(session=session, neighbour=helper)
    signup_create(session=session, neighbour=owner)  # the organiser takes part too (session-signup is "my place")

    invitation = invitation_create(organisation=organisation, by=owner, email="new@example.org",
                                   base_url="http://testserver")
    invited = invitation_create(organisation=partner, by=helper, email=owner.email, base_url="http://testserver")
    block_create(blocker=owner, blocked=blocked)

    return owner, {
        "organisation": organisation.pk, "member": member.pk, "blocked": blocked.pk, "request": request.pk,
        "response": response.pk, "referral": referral.pk, "agreement": deal.pk, "proposal": proposal.pk,
        "own_proposal": own_proposal.pk, "offer": offer.pk, "ask": ask.pk, "session": session.pk,
        "signup": signup.pk, "thread": deal.thread_id, "invitation": invitation.pk,
        "invitation_token": invited.token,
    }


def _call(client, name, method, ids):
    args, _access = ROUTES[name]
    url = reverse(f"api:{name}", kwargs={key: ids[value] for key, value in args.items()})
    return getattr(client, method)(url, format="json"), url


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize(("name", "method"), _cases())
def test_anonymous(name, method):
    """Given no login, then only the public routes answer; the others say 401 or 403."""
    _owner, ids = build_data()

    response, url = _call(_client(), name, method, ids)

    if ROUTES[name][1][method] == PUBLIC:
        assert response.status_code < 500, f"{method.upper()} {url}"
        assert response.status_code not in (401, 403), f"{method.upper()} {url}"
    else:
        assert response.status_code in (401, 403), f"{method.upper()} {url}: {response.status_code}"


@pytest.mark.parametrize(("name", "method"), _cases())
def test_stranger(name, method):
    """Given a neighbour with nothing to do with the owner's data, then private routes say 403 or 404, the others
    never fail with a 500, and no answer contains the owner's private titles."""
    owner, ids = build_data()
    stranger = NeighbourFactory(display_name="Stranger")

    response, url = _call(_client(stranger), name, method, ids)

    access = ROUTES[name][1][method]
    if access == DENY:
        refused = {403, 404} | (STRANGER_EMPTY_BODY if method in ("post", "put", "patch") else set())
        assert response.status_code in refused, f"{method.upper()} {url}: {response.status_code}"
    else:
        assert response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
    body = response.content.decode(errors="replace")
    for private in ("Weekly shopping", "I can help", "Could you help me?", owner.email):
        assert private not in body, f"{method.upper()} {url} shows {private!r}"


@pytest.mark.parametrize(("name", "method"), _cases())
def test_owner(name, method):
    """Given the owner of the data, then every route answers 2xx, or 400 for a body the walker leaves empty."""
    owner, ids = build_data()

    response, url = _call(_client(owner), name, method, ids)

    allowed = set(range(200, 300)) | {400} | OWNER_ALSO.get((name, method), set())
    assert response.status_code in allowed, f"{method.upper()} {url}: {response.status_code} {response.content[:300]}"
