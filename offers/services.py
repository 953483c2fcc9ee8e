"""Every write about help offers."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chat.services import message_send, notification_send, thread_open
from geo.privacy import approximate_point
from geo.services import check_inside_service_area
from neighbours.selectors import check_may_manage_post, check_may_post, check_not_blocked
from offers.availability import check_availability
from offers.models import HelpOffer, OfferAsk
from requests.services import Conflict, help_request_create, response_accept, response_create


@transaction.atomic
def help_offer_create(
    *, author, category, title, radius_km, description="", location=None, availability=None, organisation=None
):
    """Posts an offer centred on ``location`` (default: the organisation's place, else the author's home)."""
    check_may_post(author=author, organisation=organisation)
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
    check_may_manage_post(post=offer, neighbour=editor)
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


@transaction.atomic
def offer_ask_create(*, offer, asker, message, needed_from=None, needed_until=None):
    """Asks for an offer. Opens a thread between the asker and the offerer and tells the offerer.

    Raises PermissionDenied (unverified asker), ValidationError (own offer, timing) or Conflict (offer not active,
    or a request of this asker is already waiting).
    """
    check_may_post(author=asker, organisation=None)
    offer = HelpOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.author_id == asker.pk:
        raise ValidationError({"non_field_errors": [_("You cannot ask for your own offer.")]})
    check_not_blocked(asker, offer.author)
    if offer.status != HelpOffer.Status.ACTIVE:
        raise Conflict(_("This offer is not available at the moment."))
    if needed_from and needed_until and needed_until < needed_from:
        raise ValidationError({"needed_until": [_("The end must be after the start.")]})
    ask = OfferAsk(offer=offer, asker=asker, message=message, needed_from=needed_from, needed_until=needed_until)
    ask.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            ask.save()
    except IntegrityError:
        raise Conflict(_("You have already asked for this offer; wait for the answer.")) from None
    ask.thread = thread_open(
        subject=ask, participants=[asker, offer.author], organisations=[offer.organisation], title=offer.title
    )
    ask.save(update_fields=["thread"])
    if message.strip():
        message_send(thread_id=ask.thread_id, author=asker, body=message)
    notification_send(
        recipient=offer.author,
        kind="offer_asked",
        payload={"offer": offer.pk, "ask": ask.pk, "from": asker.display_name, "thread": ask.thread_id},
    )
    return ask


def _check_may_answer(*, ask, by):
    check_may_manage_post(post=ask.offer, neighbour=by, message=_("Only the person who offers this help may answer."))


@transaction.atomic
def offer_ask_accept(*, ask, by):
    """The offerer says yes: a private help request by the asker, the offerer's response, and the agreement.

    The request is placed at the asker's home (where the help happens) and is never shown to anyone else. Raises
    PermissionDenied, ValidationError (the asker has no home) or Conflict (already answered).
    """
    ask = OfferAsk.objects.select_for_update().select_related("offer", "asker").get(pk=ask.pk)
    _check_may_answer(ask=ask, by=by)
    if ask.status != OfferAsk.Status.PENDING:
        raise Conflict(_("This request has already been answered."))
    offer = ask.offer
    if ask.asker.home is None:
        raise ValidationError(
            {"non_field_errors": [_("The person asking has no home address yet, so there is no place to help.")]}
        )
    help_request = help_request_create(
        author=ask.asker, category=offer.category, title=offer.title, description=ask.message,
        needed_from=ask.needed_from, needed_until=ask.needed_until, notify_nearby=False,
    )
    response = response_create(
        help_request=help_request, responder=by, organisation=offer.organisation,
        message=_("Happy to help, as offered."),
    )
    agreement = response_accept(response=response, by=ask.asker)
    ask.status = OfferAsk.Status.ACCEPTED
    ask.agreement = agreement
    ask.save(update_fields=["status", "agreement"])
    return agreement


@transaction.atomic
def offer_ask_decline(*, ask, by):
    ask = OfferAsk.objects.select_for_update().select_related("offer").get(pk=ask.pk)
    _check_may_answer(ask=ask, by=by)
    if ask.status != OfferAsk.Status.PENDING:
        raise Conflict(_("This request has already been answered."))
    ask.status = OfferAsk.Status.DECLINED
    ask.save(update_fields=["status"])
    notification_send(
        recipient=ask.asker, kind="offer_ask_declined", payload={"offer": ask.offer_id, "ask": ask.pk}
    )
    return ask
