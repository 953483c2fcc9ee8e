"""Reads of help offers, and matching them to requests."""

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.db.models import F, Q
from django.http import Http404

from neighbours.selectors import membership_may_act
from offers.availability import covers
from offers.models import HelpOffer, OfferAsk

# No offer reaches further than this: the coverage search first narrows by it, using the index.
MAX_OFFER_RADIUS_KM = 100


def help_offer_list_visible(*, viewer):
    """Active offers, plus the viewer's own in any state."""
    return HelpOffer.objects.select_related("category", "organisation", "author").filter(
        Q(status=HelpOffer.Status.ACTIVE) | Q(author=viewer)
    )


def help_offer_get_visible(*, viewer, pk):
    try:
        return help_offer_list_visible(viewer=viewer).get(pk=pk)
    except (HelpOffer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def help_offer_list_matching(*, help_request):
    """Active offers of the request's category whose service area covers it, best first.

    Coverage and distance are measured from the offer's approximate centre to the request's approximate location,
    so a match reveals nothing finer than what both sides already show. Offers available at the request's start
    (or by arrangement) come before those that are not, then nearest first.
    """
    point = help_request.location_approx
    offers = list(
        HelpOffer.objects.select_related("category", "organisation", "author")
        .filter(
            status=HelpOffer.Status.ACTIVE,
            category=help_request.category,
            location_approx__dwithin=(point, D(km=MAX_OFFER_RADIUS_KM)),
        )
        .exclude(author=help_request.author)
        .annotate(distance=Distance("location_approx", point))
        .filter(distance__lte=F("radius_km") * 1000)
    )
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
