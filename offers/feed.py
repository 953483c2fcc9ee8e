"""The feed: what a neighbour sees — open requests and active offers near home in the kinds of help they chose,
plus everything from the organisations they follow.

It lives in offers/ because that is the lowest app that may read both requests and offers (offers already builds on
requests); frontend/ and the API only render it.
"""

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.db.models import Q
from django.utils import timezone

from neighbours.models import Follow
from neighbours.selectors import blocked_ids_either_way
from offers.models import HelpOffer, Session
from offers.selectors import session_annotate
from requests.models import HelpRequest

KINDS = ("request", "offer", "session")


@dataclass
class FeedItem:
    kind: str  # "request", "offer" or "session"
    post: object  # the HelpRequest, HelpOffer or Session, with `distance` when the neighbour has a home
    followed: bool  # from an organisation the neighbour follows


def feed_for(*, neighbour, kinds=KINDS, categories=None, radius_km=None, ordering="newest",
             limit=50, offset=0):
    """Feed items for ``neighbour``, newest (or nearest) first; ``limit``/``offset`` page through them.

    Nearby means within ``radius_km`` (default: the neighbour's reach) of their approximate home, measured to each
    post's approximate location. ``categories`` (slugs) default to the neighbour's interests, or every kind when
    they chose none. Posts by followed organisations are included at any distance and in any category. Sessions are
    the upcoming, scheduled sessions of active offers, placed and categorised by their offer. Posts (and sessions
    of offers) by someone the neighbour blocked, or who blocked them, are left out.
    """
    blocked = blocked_ids_either_way(neighbour)
    followed = list(Follow.objects.filter(neighbour=neighbour).values_list("organisation_id", flat=True))
    if categories is None:
        categories = list(neighbour.interests.values_list("slug", flat=True)) or None
    radius_km = radius_km or neighbour.reach_km
    home = neighbour.home_approx

    # (kind, queryset, the path from a row to the fields of its post: a session is placed by its offer)
    sources = []
    if "request" in kinds:
        sources.append(
            ("request", HelpRequest.objects.filter(status=HelpRequest.Status.OPEN, hidden_at__isnull=True), "")
        )
    if "offer" in kinds:
        sources.append(
            ("offer", HelpOffer.objects.filter(status=HelpOffer.Status.ACTIVE, hidden_at__isnull=True), "")
        )
    if "session" in kinds:
        upcoming = Session.objects.filter(
            status=Session.Status.SCHEDULED, starts_at__gt=timezone.now(), offer__status=HelpOffer.Status.ACTIVE,
            offer__hidden_at__isnull=True,
        )
        sources.append(("session", session_annotate(upcoming), "offer__"))

    items = []
    for kind, queryset, via in sources:
        nearby = Q(pk__in=[])
        if home is not None:
            nearby = Q(**{f"{via}location_approx__dwithin": (home, D(km=radius_km))})
            if categories:
                nearby &= Q(**{f"{via}category__slug__in": categories})
        queryset = (
            queryset.filter(nearby | Q(**{f"{via}organisation__in": followed}))
            .exclude(**{f"{via}author": neighbour})
            .select_related(f"{via}category", f"{via}organisation", f"{via}author")
        )
        if blocked:
            queryset = queryset.exclude(**{f"{via}author_id__in": blocked})
        if home is not None:
            queryset = queryset.annotate(distance=Distance(f"{via}location_approx", home))
        order = ("distance", "-created_at") if ordering == "nearest" and home is not None else ("-created_at",)
        for post in queryset.order_by(*order)[: offset + limit]:
            items.append(FeedItem(kind=kind, post=post, followed=post.organisation_id in followed))

    if ordering == "nearest" and home is not None:
        items.sort(key=lambda item: (item.post.distance.m, -item.post.created_at.timestamp()))
    else:
        items.sort(key=lambda item: item.post.created_at, reverse=True)
    return items[offset: offset + limit]
