"""offers/' part of data protection (registered with ``neighbours.data`` in ``OffersConfig.ready``): offers, asks,
sessions and sign-ups in a neighbour's export; on erasure their places are given up (the waiting list moves up) and
the sessions of their own offers are cancelled (participants are told); closed offers deleted after a while."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chat.data import notifications_forget_sender
from neighbours.data import point_json, when
from offers.models import HelpOffer, OfferAsk, Session, SignUp
from offers.sessions import session_cancel, signup_cancel


def _session_json(row):
    return {"id": row.pk, "offer": row.offer_id, "title": row.offer.title, "place": row.place,
            "starts_at": when(row.starts_at), "ends_at": when(row.ends_at), "capacity": row.capacity,
            "status": row.status, "thread": row.thread_id}


def _signup_json(row):
    return {"id": row.pk, "session": _session_json(row.session), "status": row.status,
            "queued_at": when(row.queued_at), "confirmed_at": when(row.confirmed_at),
            "cancelled_at": when(row.cancelled_at), "attended": row.attended}


def export(neighbour):
    """Includes the name and phone number of people they signed up for a session: they entered those themselves."""
    offers = (
        HelpOffer.objects.filter(author=neighbour).select_related("category")
        .prefetch_related("asks__asker").order_by("created_at", "pk")
    )
    asks = OfferAsk.objects.filter(asker=neighbour).select_related("offer").order_by("created_at", "pk")
    sessions = (
        Session.objects.filter(Q(offer__author=neighbour) | Q(created_by=neighbour)).select_related("offer")
        .order_by("starts_at", "pk")
    )
    signups = SignUp.objects.select_related("session", "session__offer").order_by("created_at", "pk")
    return {
        "help_offers": [
            {
                "id": row.pk, "organisation": row.organisation_id, "category": row.category.slug,
                "title": row.title, "description": row.description, "location": point_json(row.location),
                "location_approx": point_json(row.location_approx), "radius_km": float(row.radius_km),
                "availability": row.availability, "status": row.status, "created_at": when(row.created_at),
                "updated_at": when(row.updated_at),
                "asks_received": [
                    {"id": ask.pk, "from": {"id": ask.asker_id, "display_name": ask.asker.display_name},
                     "message": ask.message, "needed_from": when(ask.needed_from),
                     "needed_until": when(ask.needed_until), "status": ask.status, "thread": ask.thread_id,
                     "created_at": when(ask.created_at)}
                    for ask in row.asks.all()
                ],
            }
            for row in offers
        ],
        "offer_asks": [
            {"id": row.pk, "offer": {"id": row.offer_id, "title": row.offer.title}, "message": row.message,
             "needed_from": when(row.needed_from), "needed_until": when(row.needed_until), "status": row.status,
             "thread": row.thread_id, "agreement": row.agreement_id, "created_at": when(row.created_at)}
            for row in asks
        ],
        "sessions_organised": [_session_json(row) for row in sessions],
        "session_signups": [_signup_json(row) for row in signups.filter(neighbour=neighbour)],
        "assisted_signups_made": [
            {**_signup_json(row), "name": row.name, "phone": row.phone, "organisation": row.organisation_id}
            for row in signups.filter(signed_up_by=neighbour, neighbour__isnull=True)
        ],
    }


def erase(neighbour):
    """Gives up their places in upcoming sessions through ``signup_cancel`` (the first on the waiting list gets the
    seat and is told), cancels the upcoming sessions of offers they wrote (the participants are told; the offers go
    with the account) and takes their name out of notifications about their asks."""
    now = timezone.now()
    for session in Session.objects.filter(
        offer__author=neighbour, status=Session.Status.SCHEDULED, starts_at__gt=now
    ).order_by("pk"):
        session_cancel(session=session, by=neighbour)
    places = SignUp.objects.active().filter(
        neighbour=neighbour, session__status=Session.Status.SCHEDULED, session__starts_at__gt=now
    ).order_by("pk")
    for signup in places:
        signup_cancel(signup=signup, by=neighbour)
    asks = list(OfferAsk.objects.filter(asker=neighbour).values_list("pk", flat=True))
    notifications_forget_sender(neighbour=neighbour, match=Q(payload__ask__in=asks))


def purge(*, now, dry_run):
    """Closed offers unchanged for DUGNAD_RETENTION_CLOSED_REQUEST_DAYS that never led to an agreement, with their
    asks and sessions."""
    cutoff = now - timedelta(days=settings.DUGNAD_RETENTION_CLOSED_REQUEST_DAYS)
    old = HelpOffer.objects.filter(status=HelpOffer.Status.CLOSED, updated_at__lt=cutoff).exclude(
        asks__agreement__isnull=False
    )
    count = old.count()
    if not dry_run and count:
        HelpOffer.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
    return {"help offers": count}
