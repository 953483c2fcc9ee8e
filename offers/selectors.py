"""Reads of help offers, and matching them to requests."""

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from chat.selectors import ACTING_ROLES
from neighbours.models import Membership
from neighbours.selectors import exclude_blocked_authors, membership_may_act
from offers.availability import covers
from offers.models import AssistedAction, HelpOffer, OfferAsk, Session, SignUp
from offers.sessions import check_organiser, may_cancel, signup_position

# No offer reaches further than this: the coverage search first narrows by it, using the index.
MAX_OFFER_RADIUS_KM = 100


def help_offer_list_visible(*, viewer):
    """Active offers, plus the viewer's own in any state; offers hidden by a moderator only for their author; without
    the offers of someone the viewer blocked or who blocked the viewer, unless the viewer already has an agreement
    from it (an accepted ask)."""
    offers = HelpOffer.objects.select_related("category", "organisation", "author").filter(
        (Q(status=HelpOffer.Status.ACTIVE) & Q(hidden_at__isnull=True)) | Q(author=viewer)
    )
    return exclude_blocked_authors(offers, viewer=viewer, shared=lambda blocked: OfferAsk.objects.filter(
        asker=viewer, status=OfferAsk.Status.ACCEPTED, offer__author_id__in=blocked
    ).values_list("offer_id", flat=True))


def help_offer_get_visible(*, viewer, pk):
    try:
        return help_offer_list_visible(viewer=viewer).get(pk=pk)
    except (HelpOffer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def help_offer_list_matching(*, help_request, viewer=None):
    """Active offers of the request's category whose service area covers it, best first.

    Coverage and distance are measured from the offer's approximate centre to the request's approximate location,
    so a match reveals nothing finer than what both sides already show. Offers available at the request's start
    (or by arrangement) come before those that are not, then nearest first. Offers by someone ``viewer`` (when
    given) blocked or who blocked them are left out.
    """
    point = help_request.location_approx
    offers = (
        HelpOffer.objects.select_related("category", "organisation", "author")
        .filter(
            status=HelpOffer.Status.ACTIVE,
            hidden_at__isnull=True,
            category=help_request.category,
            location_approx__dwithin=(point, D(km=MAX_OFFER_RADIUS_KM)),
        )
        .exclude(author=help_request.author)
        .annotate(distance=Distance("location_approx", point))
        .filter(distance__lte=F("radius_km") * 1000)
    )
    if viewer is not None:
        offers = exclude_blocked_authors(offers, viewer=viewer)
    offers = list(offers)
    for offer in offers:
        offer.available = help_request.needed_from is None or covers(offer.availability, help_request.needed_from)
    offers.sort(key=lambda offer: (not offer.available, offer.distance.m))
    return offers


def offer_ask_list(*, offer, viewer):
    """The offerer (and its organisation's coordinators) see every request for the offer; others their own."""
    asks = OfferAsk.objects.filter(offer=offer).select_related("asker")
    if offer.author_id == viewer.pk or (
        offer.organisation_id and membership_may_act(neighbour=viewer, organisation=offer.organisation)
    ):
        return asks
    return asks.filter(asker=viewer)


def offer_ask_get_for_party(*, viewer, pk):
    """A request for an offer, for its asker or the offerer's side; Http404 for anyone else."""
    ask = OfferAsk.objects.select_related("offer", "asker").filter(pk=pk).first()
    if ask is None:
        raise Http404
    offer = ask.offer
    if viewer.pk in (ask.asker_id, offer.author_id) or (
        offer.organisation_id and membership_may_act(neighbour=viewer, organisation=offer.organisation)
    ):
        return ask
    raise Http404


# -- sessions -------------------------------------------------------------------------------------------------------

def _acting_organisations(viewer):
    return Membership.objects.filter(neighbour=viewer, role__in=ACTING_ROLES).values("organisation_id")


def session_list_visible(*, viewer):
    """Sessions of active offers (not hidden by a moderator), plus any session the viewer organises or has (had) a
    place at."""
    return Session.objects.select_related("offer", "offer__organisation", "offer__author", "offer__category").filter(
        Q(offer__status=HelpOffer.Status.ACTIVE, offer__hidden_at__isnull=True)
        | Q(offer__author=viewer)
        | Q(offer__organisation__in=_acting_organisations(viewer))
        | Q(pk__in=SignUp.objects.filter(Q(neighbour=viewer) | Q(signed_up_by=viewer)).values("session_id"))
    )


def session_get_visible(*, viewer, pk):
    try:
        return session_list_visible(viewer=viewer).get(pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def session_get_for_organiser(*, viewer, pk):
    """A session the viewer organises; Http404 if they cannot see it, PermissionDenied if they only take part."""
    session = session_get_visible(viewer=viewer, pk=pk)
    check_organiser(session=session, neighbour=viewer)
    return session


def session_annotate(queryset):
    """Adds ``confirmed_count`` and ``waitlist_length`` to sessions; ``seats_left`` is then a property of each."""
    return queryset.annotate(
        confirmed_count=Count("signups", filter=Q(signups__status=SignUp.Status.CONFIRMED), distinct=True),
        waitlist_length=Count("signups", filter=Q(signups__status=SignUp.Status.WAITLISTED), distinct=True),
    )


def session_list_upcoming_for_offer(*, offer, viewer):
    """Scheduled sessions of ``offer`` that have not started, soonest first, with seats counted and the viewer's own
    active sign-up (``my_signup``, with its position) attached."""
    sessions = list(
        session_annotate(
            session_list_visible(viewer=viewer).filter(
                offer=offer, status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()
            )
        ).order_by("starts_at", "pk")
    )
    return _attach_my_signups(sessions, viewer)


def session_list_upcoming_for_organisation(organisation, *, viewer=None):
    """Scheduled, not yet started sessions of the organisation's active offers, soonest first, with seats counted;
    without those whose offer's author ``viewer`` (when given) blocked or was blocked by."""
    sessions = Session.objects.select_related("offer", "offer__organisation").filter(
        offer__organisation=organisation, offer__status=HelpOffer.Status.ACTIVE, offer__hidden_at__isnull=True,
        status=Session.Status.SCHEDULED, starts_at__gt=timezone.now(),
    )
    if viewer is not None:
        sessions = exclude_blocked_authors(sessions, viewer=viewer, field="offer__author_id")
    return session_annotate(sessions).order_by("starts_at", "pk")


def _attach_my_signups(sessions, viewer):
    mine = {
        signup.session_id: signup
        for signup in SignUp.objects.active().filter(session__in=[s.pk for s in sessions], neighbour=viewer)
    }
    for session in sessions:
        signup = mine.get(session.pk)
        if signup is not None:
            signup.position = signup_position(signup)
        session.my_signup = signup
    return sessions


def session_with_counts(*, session, viewer):
    """One session with ``confirmed_count``, ``waitlist_length``, ``seats_left`` and the viewer's ``my_signup``."""
    session = session_annotate(Session.objects.filter(pk=session.pk)).select_related(
        "offer", "offer__organisation", "offer__author", "offer__category"
    ).get()
    return _attach_my_signups([session], viewer)[0]


def signup_list_mine_upcoming(*, neighbour):
    """The neighbour's active places at sessions that have not ended, soonest first, each with its ``position``."""
    signups = list(
        SignUp.objects.active().filter(neighbour=neighbour, session__ends_at__gt=timezone.now())
        .select_related("session", "session__offer", "session__offer__organisation")
        .order_by("session__starts_at", "pk")
    )
    for signup in signups:
        signup.position = signup_position(signup)
    return signups


def signup_list_for_session(*, session):
    """Every active sign-up of a session with its ``position``: seats first (in seat order), then the waiting list.
    For organisers only (check before calling)."""
    return (
        SignUp.objects.with_positions()
        .filter(session=session, status__in=[SignUp.Status.CONFIRMED, SignUp.Status.WAITLISTED])
        .select_related("neighbour", "signed_up_by", "organisation")
        .order_by("status", "position")
    )


def signup_get_mine(*, session, neighbour):
    """The neighbour's active sign-up for a session, with its ``position``; Http404 if they have none."""
    signup = SignUp.objects.active().filter(session=session, neighbour=neighbour).first()
    if signup is None:
        raise Http404
    signup.position = signup_position(signup)
    return signup


def signup_get_for_manager(*, viewer, pk):
    """A sign-up the viewer may manage: its session's organisers, whoever made it, the person themselves, or the
    admins and coordinators of the organisation that made an assisted one. Http404 for anyone else."""
    signup = SignUp.objects.select_related("session", "session__offer", "neighbour", "organisation").filter(
        pk=pk
    ).first()
    if signup is None or not may_cancel(signup=signup, by=viewer):
        raise Http404
    return signup


def assisted_action_list(*, organisation, viewer):
    """The log of what the organisation's coordinators did for people they assist, newest first; for its admins and
    coordinators only (Http404 for anyone else)."""
    if not membership_may_act(neighbour=viewer, organisation=organisation):
        raise Http404
    return AssistedAction.objects.filter(organisation=organisation).select_related(
        "actor", "signup", "signup__session", "signup__session__offer"
    )


def assisted_signup_list(*, organisation, viewer):
    """Upcoming active assisted places made for ``organisation``; for its admins and coordinators."""
    if not membership_may_act(neighbour=viewer, organisation=organisation):
        raise Http404
    signups = list(
        SignUp.objects.active().filter(organisation=organisation, neighbour__isnull=True,
                                       session__ends_at__gt=timezone.now())
        .select_related("session", "session__offer", "signed_up_by")
        .order_by("session__starts_at", "pk")
    )
    for signup in signups:
        signup.position = signup_position(signup)
    return signups
