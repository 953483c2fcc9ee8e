"""Pages for help requests and offers: browse nearby (list and map), post, edit, cancel, respond, accept.

They parse forms and call the same services and selectors as the API; every rule lives there.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.feedback import perform
from frontend.forms import HelpOfferForm, HelpRequestForm, NearbyForm, ResponseForm
from frontend.organisations import refer_context
from frontend.sessions import offer_sessions_context
from frontend.views import rate_limited
from geo.selectors import rounded_km, within
from geo.services import geocode
from neighbours.selectors import organisations_acting_for
from offers import selectors as offer_selectors
from offers import services as offer_services
from offers.models import HelpOffer
from requests import selectors as request_selectors
from requests import services as request_services
from requests.models import HelpRequest
from requests.services import Conflict


def _add_service_errors(form, error):
    """Puts a service's ValidationError on the form: by field where the form has it, else on the whole form."""
    for field, messages_ in error.message_dict.items():
        if field == "location":
            field = "address"
        form.add_error(field if field in form.fields else None, messages_)


# The form fields each kind of post saves through its service (the place is handled apart, by _place_from).
REQUEST_FIELDS = ("category", "title", "description", "needed_from", "needed_until", "recurrence")
OFFER_FIELDS = ("category", "title", "description", "radius_km")


def _save_post_form(request, form, *, fields, save):
    """Validates a posted request/offer form, resolves its place and calls ``save(location, **fields)``.

    ``location`` is None when the form names no place. Field errors from the service go back on the form. Returns
    what ``save`` returned, or None when the form is to be shown (again).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    location = _place_from(form)
    if form.errors:
        return None
    try:
        return save(location, **{key: form.cleaned_data[key] for key in fields})
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return None


def _initial_for_edit(post, fields, viewer):
    """A post's current values for its edit form; its author also gets the exact place as the map's pin."""
    initial = {key: getattr(post, key) for key in fields}
    if post.author_id == viewer.pk:
        initial.update(lat=post.location.y, lon=post.location.x)
    return initial


def _nearby_posts(queryset, context):
    """Up to 100 posts within the chosen distance of the centre, nearest first, with their rounded distance."""
    if context["centre"] is None:
        return []
    if context["category"] is not None:
        queryset = queryset.filter(category=context["category"])
    posts = within(
        queryset, field="location_approx", point=context["centre"], radius_km=context["radius_km"]
    ).order_by("distance", "-created_at")[:100]
    for post in posts:
        post.distance_km = rounded_km(post.distance)
    return posts


def _place_from(form):
    """The point the form names (a map pin, else a geocoded address), or None for "my home"; errors go on the form."""
    data = form.cleaned_data
    if data.get("lat") is not None and data.get("lon") is not None:
        return Point(data["lon"], data["lat"], srid=4326)
    address = (data.get("address") or "").strip()
    if not address:
        return None
    found = geocode(address)
    if found is None:
        form.add_error("address", _("We could not find this address. Check the spelling, or put a pin on the map."))
        return None
    return found.point


def _nearby(request, *, geojson_url_name, detail_url_name):
    """The shared part of the two browse pages: where, how far, which kind, and the map's data URL."""
    form = NearbyForm(request.GET or None, initial={"radius_km": 5})
    centre = request.user.home_approx
    category = None
    radius_km = 5
    if form.is_bound and form.is_valid():
        category = form.cleaned_data["category"]
        radius_km = form.cleaned_data["radius_km"] or 5
        place = form.cleaned_data["place"].strip()
        if place:
            found = geocode(place)
            if found is None:
                form.add_error("place", _("We could not find this place."))
            else:
                centre = found.point
    params = {"radius_km": radius_km, "ordering": "distance"}
    if centre is not None:
        params["near"] = f"{centre.y:.6f},{centre.x:.6f}"
    if category is not None:
        params["category"] = category.slug
    return {
        "form": form,
        "centre": centre,
        "category": category,
        "radius_km": radius_km,
        "geojson_url": reverse(f"api:{geojson_url_name}") + "?" + urlencode(params) if centre else "",
        "detail_url_name": detail_url_name,
        # For the map's popups: the detail URL with "{id}" where the post's id goes.
        "link_template": reverse(detail_url_name, args=[0]).replace("/0/", "/{id}/"),
    }


@login_required
def request_list(request):
    context = _nearby(request, geojson_url_name="request-geojson", detail_url_name="frontend:request_detail")
    open_requests = request_selectors.help_request_list_visible(viewer=request.user).filter(
        status=HelpRequest.Status.OPEN
    )
    posts = _nearby_posts(open_requests, context)
    return render(request, "frontend/request_list.html", {**context, "posts": posts})


@login_required
def offer_list(request):
    context = _nearby(request, geojson_url_name="offer-geojson", detail_url_name="frontend:offer_detail")
    active_offers = offer_selectors.help_offer_list_visible(viewer=request.user).filter(
        status=HelpOffer.Status.ACTIVE
    )
    posts = _nearby_posts(active_offers, context)
    return render(request, "frontend/offer_list.html", {**context, "posts": posts})


@login_required
@rate_limited("post")
def request_create(request):
    form = HelpRequestForm(request.POST or None, acting_for=organisations_acting_for(neighbour=request.user))
    help_request = _save_post_form(
        request, form, fields=REQUEST_FIELDS,
        save=lambda location, **fields: request_services.help_request_create(
            author=request.user, location=location, organisation=form.cleaned_data.get("organisation"), **fields
        ),
    )
    if help_request is not None:
        messages.success(request, _("Your request is posted. We will tell you when someone offers help."))
        return redirect("frontend:request_detail", pk=help_request.pk)
    return render(request, "frontend/post_form.html", {
        "form": form, "title": _("Ask for help"), "submit": _("Post my request"),
        "centre": request.user.home_approx,
    })


@login_required
def request_edit(request, pk):
    help_request = request_selectors.help_request_get_visible(viewer=request.user, pk=pk)
    form = HelpRequestForm(
        request.POST or None, initial=_initial_for_edit(help_request, REQUEST_FIELDS, request.user)
    )
    try:
        saved = _save_post_form(
            request, form, fields=REQUEST_FIELDS,
            save=lambda location, **changes: request_services.help_request_update(
                help_request=help_request, editor=request.user, **changes,
                **({"location": location} if location is not None else {}),
            ),
        )
    except Conflict as exc:
        messages.error(request, exc.detail)
        return redirect("frontend:request_detail", pk=pk)
    if saved is not None:
        messages.success(request, _("Your request is saved."))
        return redirect("frontend:request_detail", pk=pk)
    return render(request, "frontend/post_form.html", {
        "form": form, "title": _("Change your request"), "submit": _("Save"), "centre": help_request.location,
    })


@login_required
def request_detail(request, pk):
    help_request = request_selectors.help_request_get_visible(viewer=request.user, pk=pk)
    is_mine = help_request.author_id == request.user.pk
    sees_exact = request_selectors.viewer_is_party(help_request=help_request, viewer=request.user)
    responses = request_selectors.response_list_for_request(help_request=help_request, viewer=request.user)
    return render(request, "frontend/request_detail.html", {
        "post": help_request,
        "is_mine": is_mine,
        "point": help_request.location if sees_exact else help_request.location_approx,
        "location_is_approximate": not sees_exact,
        "responses": responses,
        "my_response": None if is_mine else next(iter(responses), None),
        "response_form": ResponseForm(acting_for=organisations_acting_for(neighbour=request.user)),
        "agreements": help_request.agreements.select_related("helper") if sees_exact else [],
        **refer_context(viewer=request.user, help_request=help_request),
    })


@login_required
@require_POST
@rate_limited("post")
def request_respond(request, pk):
    help_request = request_selectors.help_request_get_visible(viewer=request.user, pk=pk)
    form = ResponseForm(request.POST, acting_for=organisations_acting_for(neighbour=request.user))
    if form.is_valid():
        perform(
            request,
            lambda: request_services.response_create(
                help_request=help_request, responder=request.user, message=form.cleaned_data["message"],
                organisation=form.cleaned_data.get("organisation"),
            ),
            success=_("Thank you! We have told them you can help."),
        )
    else:
        messages.error(request, _("Please write a short message."))
    return redirect("frontend:request_detail", pk=pk)


@login_required
@require_POST
def response_accept(request, pk):
    response = request_selectors.response_get_for_requester(viewer=request.user, pk=pk)
    perform(
        request,
        lambda: request_services.response_accept(response=response, by=request.user),
        success=_("You have accepted the offer of help. You can now talk together."),
    )
    return redirect("frontend:request_detail", pk=response.request_id)


@login_required
@require_POST
def request_cancel(request, pk):
    help_request = request_selectors.help_request_get_visible(viewer=request.user, pk=pk)
    perform(
        request,
        lambda: request_services.help_request_cancel(help_request=help_request, by=request.user),
        success=_("Your request is cancelled."),
    )
    return redirect("frontend:request_detail", pk=pk)


@login_required
@rate_limited("post")
def offer_create(request):
    form = HelpOfferForm(request.POST or None, acting_for=organisations_acting_for(neighbour=request.user))
    offer = _save_post_form(
        request, form, fields=OFFER_FIELDS,
        save=lambda location, **fields: offer_services.help_offer_create(
            author=request.user, location=location, organisation=form.cleaned_data.get("organisation"), **fields
        ),
    )
    if offer is not None:
        messages.success(request, _("Your offer is posted. Thank you!"))
        return redirect("frontend:offer_detail", pk=offer.pk)
    return render(request, "frontend/post_form.html", {
        "form": form, "title": _("Offer help"), "submit": _("Post my offer"), "centre": request.user.home_approx,
    })


@login_required
def offer_edit(request, pk):
    offer = offer_selectors.help_offer_get_visible(viewer=request.user, pk=pk)
    form = HelpOfferForm(request.POST or None, initial=_initial_for_edit(offer, OFFER_FIELDS, request.user))
    saved = _save_post_form(
        request, form, fields=OFFER_FIELDS,
        save=lambda location, **changes: offer_services.help_offer_update(
            offer=offer, editor=request.user, **changes, **({"location": location} if location is not None else {}),
        ),
    )
    if saved is not None:
        messages.success(request, _("Your offer is updated."))
        return redirect("frontend:offer_detail", pk=pk)
    return render(request, "frontend/post_form.html", {
        "form": form, "title": _("Change your offer"), "submit": _("Save"), "centre": offer.location_approx,
    })


@login_required
def offer_detail(request, pk):
    offer = offer_selectors.help_offer_get_visible(viewer=request.user, pk=pk)
    is_mine = offer.author_id == request.user.pk
    asks = offer_selectors.offer_ask_list(offer=offer, viewer=request.user)
    return render(request, "frontend/offer_detail.html", {
        **offer_sessions_context(offer=offer, viewer=request.user),
        "post": offer, "is_mine": is_mine, "point": offer.location if is_mine else offer.location_approx,
        "location_is_approximate": not is_mine, "asks": asks, "ask_form": ResponseForm(),
        "waiting": any(ask.status == "pending" for ask in asks) if not is_mine else False,
    })


@login_required
@require_POST
@rate_limited("post")
def offer_ask(request, pk):
    offer = offer_selectors.help_offer_get_visible(viewer=request.user, pk=pk)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please write a short message."))
        return redirect("frontend:offer_detail", pk=pk)
    perform(
        request,
        lambda: offer_services.offer_ask_create(offer=offer, asker=request.user,
                                                message=form.cleaned_data["message"]),
        success=_("We have sent your request. You will hear back here and by notification."),
    )
    return redirect("frontend:offer_detail", pk=pk)


@login_required
@require_POST
def offer_ask_answer(request, pk):
    ask = offer_selectors.offer_ask_get_for_party(viewer=request.user, pk=pk)
    if request.POST.get("answer") == "accept":
        perform(request, lambda: offer_services.offer_ask_accept(ask=ask, by=request.user),
                 success=_("You have said yes. You can now agree on the details together."))
    else:
        perform(request, lambda: offer_services.offer_ask_decline(ask=ask, by=request.user),
                 success=_("You have said no, and we have told them."))
    return redirect("frontend:offer_detail", pk=ask.offer_id)


@login_required
@require_POST
def offer_set_status(request, pk):
    offer = offer_selectors.help_offer_get_visible(viewer=request.user, pk=pk)
    new_status = request.POST.get("status")
    if new_status not in {"active", "paused", "closed"}:
        messages.error(request, _("Choose active, paused or closed."))
    else:
        offer_services.help_offer_update(offer=offer, editor=request.user, status=new_status)
        messages.success(request, _("Your offer is updated."))
    return redirect("frontend:offer_detail", pk=pk)
