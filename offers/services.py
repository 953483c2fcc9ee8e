"""Every write about help offers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from geo.privacy import approximate_point
from geo.services import check_inside_service_area
from neighbours.selectors import membership_may_act
from offers.availability import check_availability
from offers.models import HelpOffer


def _check_may_post(*, author, organisation):
    if not author.may_post:
        raise PermissionDenied(_("Please confirm your e-mail address before you post."))
    if organisation is not None and not membership_may_act(neighbour=author, organisation=organisation):
        raise PermissionDenied(_("Only the organisation's administrators and coordinators may act for it."))


def _check_may_edit(*, offer, editor):
    if offer.author_id == editor.pk:
        return
    if offer.organisation_id and membership_may_act(neighbour=editor, organisation=offer.organisation):
        return
    raise PermissionDenied(_("Only the person who posted this may change it."))


@transaction.atomic
def help_offer_create(
    *, author, category, title, radius_km, description="", location=None, availability=None, organisation=None
):
    """Posts an offer centred on ``location`` (default: the organisation's place, else the author's home)."""
    _check_may_post(author=author, organisation=organisation)
    location = location or (organisation.location if organisation else None) or author.home
    if location is None:
        raise ValidationError({"location": [_("Give a place, or add your home address to your profile first.")]})
    check_inside_service_area(location)
    availability = availability or {}
    check_availability(availability)
    offer = HelpOffer(
        author=author, organisation=organisation, category=category, title=title, description=description,
        location=location, location_approx=approximate_point(location), radius_km=radius_km,
        availability=availability,
    )
    offer.full_clean()
    offer.save()
    return offer


@transaction.atomic
def help_offer_update(*, offer, editor, **changes):
    """Changes an offer (also its status: active, paused, closed). Raises PermissionDenied or ValidationError."""
    allowed = {"title", "description", "category", "location", "radius_km", "availability", "status"}
    if set(changes) - allowed:
        raise TypeError(f"not editable: {sorted(set(changes) - allowed)}")
    offer = HelpOffer.objects.select_for_update().get(pk=offer.pk)
    _check_may_edit(offer=offer, editor=editor)
    for field, value in changes.items():
        setattr(offer, field, value)
    if "location" in changes:
        check_inside_service_area(offer.location)
        offer.location_approx = approximate_point(offer.location)
    if "availability" in changes:
        check_availability(offer.availability)
    offer.full_clean()
    offer.save()
    return offer
