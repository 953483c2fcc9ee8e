"""Pages for organisations: browse, create, profile with follow button, members and invitations, the inbox of
requests passed on by partners, and passing a request on.

They parse forms and call the services and selectors of neighbours/ and requests/; every rule lives there.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.feedback import perform
from frontend.forms import InvitationForm, OrganisationFilterForm, OrganisationForm, ReferralForm, ResponseForm
from geo.services import geocode
from neighbours import selectors, services
from neighbours.models import Membership
from neighbours.services import OrganisationConflict
from offers.models import HelpOffer
from offers.selectors import session_list_upcoming_for_organisation
from offers.sessions import ASSISTING_KINDS
from requests import referrals
from requests import selectors as request_selectors
from requests import services as request_services
from requests.models import HelpRequest


def _save_organisation(form, save):
    """Geocodes the form's address (when given) and calls ``save(**fields)``; errors go on the form."""
    if not form.is_valid():
        return None
    fields = {key: form.cleaned_data[key] for key in ("name", "kind", "is_professional", "description",
                                                      "service_radius_km")}
    address = form.cleaned_data["address"].strip()
    if address:
        found = geocode(address)
        if found is None:
            form.add_error("address", _("We could not find this address. Check the spelling."))
            return None
        fields["location"] = found.point
    try:
        return save(**fields)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    return None


@login_required
def organisation_list(request):
    form = OrganisationFilterForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {"q": form.cleaned_data["q"], "kind": form.cleaned_data["kind"]}
    organisations = selectors.organisation_list(viewer=request.user, **filters)[:200]
    return render(request, "frontend/organisations/list.html", {"form": form, "organisations": organisations})


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST":
        organisation = _save_organisation(
            form, lambda **fields: services.organisation_create(created_by=request.user, **fields)
        )
        if organisation is not None:
            messages.success(request, _("Your organisation is created. You are its administrator."))
            return redirect("frontend:organisation_detail", pk=organisation.pk)
    return render(request, "frontend/organisations/form.html", {
        "form": form, "title": _("Create an organisation"), "submit": _("Create"),
    })


@login_required
def organisation_edit(request, pk):
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    if organisation.my_role != Membership.Role.ADMIN:
        raise PermissionDenied
    initial = {key: getattr(organisation, key) for key in ("name", "kind", "is_professional", "description",
                                                          "service_radius_km")}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = _save_organisation(form, lambda **fields: services.organisation_update(
            organisation=organisation, by=request.user, **fields
        ))
        if saved is not None:
            messages.success(request, _("The organisation is saved."))
            return redirect("frontend:organisation_detail", pk=pk)
    return render(request, "frontend/organisations/form.html", {
        "form": form, "title": _("Change the organisation"), "submit": _("Save"), "organisation": organisation,
    })


@login_required
def organisation_detail(request, pk):
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    return render(request, "frontend/organisations/detail.html", {
        "organisation": organisation,
        "members": selectors.member_list(organisation=organisation, viewer=request.user),
        "member_count": selectors.member_count(organisation=organisation),
        "is_member": organisation.my_role is not None,
        "may_act": organisation.my_role in {Membership.Role.ADMIN, Membership.Role.COORDINATOR},
        "is_admin": organisation.my_role == Membership.Role.ADMIN,
        # Posts a community moderator hid, and those of people on the other side of a block, are left out.
        "open_requests": selectors.exclude_blocked_authors(
            organisation.help_requests.filter(status=HelpRequest.Status.OPEN, hidden_at__isnull=True),
            viewer=request.user,
        ).select_related("category").order_by("-created_at")[:50],
        "active_offers": selectors.exclude_blocked_authors(
            organisation.help_offers.filter(status=HelpOffer.Status.ACTIVE, hidden_at__isnull=True),
            viewer=request.user,
        ).select_related("category").order_by("-created_at")[:50],
        "sessions": session_list_upcoming_for_organisation(organisation, viewer=request.user)[:50],
        "assists": organisation.kind in ASSISTING_KINDS,
    })


@login_required
@require_POST
def organisation_follow(request, pk):
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    if request.POST.get("action") == "unfollow":
        services.follow_delete(neighbour=request.user, organisation=organisation)
        messages.success(request, _("You no longer follow %(name)s.") % {"name": organisation.name})
    else:
        services.follow_create(neighbour=request.user, organisation=organisation)
        messages.success(request, _("You follow %(name)s. Their posts now show in your feed.")
                         % {"name": organisation.name})
    return redirect("frontend:organisation_detail", pk=pk)


@login_required
def organisation_members(request, pk):
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    if organisation.my_role != Membership.Role.ADMIN:
        raise PermissionDenied
    invitations = list(selectors.invitation_list(organisation=organisation, viewer=request.user))
    link = next((invitation for invitation in invitations if invitation.is_link), None)
    return render(request, "frontend/organisations/members.html", {
        "organisation": organisation,
        "members": selectors.member_list(organisation=organisation, viewer=request.user),
        "roles": Membership.Role.choices,
        "invitations": [invitation for invitation in invitations if not invitation.is_link],
        "link": link,
        "link_url": request.build_absolute_uri(reverse("frontend:invitation_accept", args=[link.token]))
        if link else "",
        "invitation_form": InvitationForm(),
    })


@login_required
@require_POST
def member_role(request, pk, neighbour_id):
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    role = request.POST.get("role", "")
    if role == "transfer":
        perform(request, lambda: services.admin_transfer(
            organisation=organisation, by=request.user, to_neighbour_id=neighbour_id, step_down=True,
        ), success=_("You have handed over the administrator role. You are now a coordinator."))
        return redirect("frontend:organisation_detail", pk=pk)
    perform(request, lambda: services.membership_set_role(
        organisation=organisation, neighbour_id=neighbour_id, role=role, by=request.user,
    ), success=_("The role is changed."))
    return redirect("frontend:organisation_members", pk=pk)


@login_required
@require_POST
def member_remove(request, pk, neighbour_id):
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    leaving = neighbour_id == request.user.pk
    perform(request, lambda: services.membership_remove(
        organisation=organisation, neighbour_id=neighbour_id, by=request.user,
    ), success=_("You have left the organisation.") if leaving else _("The member is removed."))
    if leaving or organisation.my_role != Membership.Role.ADMIN:
        return redirect("frontend:organisation_detail", pk=pk)
    return redirect("frontend:organisation_members", pk=pk)


@login_required
@require_POST
def invitation_create(request, pk):
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    if request.POST.get("kind") == "link":
        perform(request, lambda: services.invitation_link_create(organisation=organisation, by=request.user),
                 success=_("The join link is ready. Share it with the people you want in."))
        return redirect("frontend:organisation_members", pk=pk)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid e-mail address and a role."))
    else:
        perform(request, lambda: services.invitation_create(
            organisation=organisation, by=request.user, email=form.cleaned_data["email"],
            role=form.cleaned_data["role"], base_url=request.build_absolute_uri("/").rstrip("/"),
        ), success=_("The invitation is sent."))
    return redirect("frontend:organisation_members", pk=pk)


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = selectors.invitation_get_for_admin(viewer=request.user, pk=pk)
    perform(request, lambda: services.invitation_revoke(invitation=invitation, by=request.user),
             success=_("The invitation is withdrawn."))
    return redirect("frontend:organisation_members", pk=invitation.organisation_id)


def invitation_accept(request, token):
    """The invitation's page: who invites you to what, and a Join button. Someone not logged in is shown how to log
    in, or create an account first, and come back here; joining itself needs an account."""
    invitation = selectors.invitation_get_by_token(token=token)
    signed_in = request.user.is_authenticated
    if request.method == "POST" and not signed_in:
        return redirect_to_login(request.get_full_path())
    problem = None
    if not invitation.is_usable:
        problem = (
            _("This invitation has been withdrawn. Ask the organisation for a new one.") if invitation.revoked_at
            else _("This invitation has expired. Ask the organisation for a new one.") if invitation.is_expired()
            else None if signed_in and invitation.accepted_by_id == request.user.pk
            else _("This invitation has already been used.")
        )
    if request.method == "POST" and problem is None:
        try:
            services.invitation_accept(invitation=invitation, neighbour=request.user)
        except OrganisationConflict as exc:
            problem = exc.detail
        else:
            messages.success(request, _("Welcome! You are now a member of %(name)s.")
                             % {"name": invitation.organisation.name})
            return redirect("frontend:organisation_detail", pk=invitation.organisation_id)
    back_here = urlencode({"next": request.path})
    return render(request, "frontend/organisations/invitation.html", {
        "invitation": invitation, "organisation": invitation.organisation, "problem": problem,
        "current_role": selectors.membership_role(neighbour=request.user, organisation=invitation.organisation)
        if signed_in else None,
        "login_url": f"{reverse('frontend:login')}?{back_here}",
        "register_url": f"{reverse('frontend:register')}?{back_here}",
    }, status=409 if problem else 200)


@login_required
def organisation_inbox(request, pk):
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    inbox = referrals.referral_inbox(organisation=organisation, viewer=request.user)
    return render(request, "frontend/organisations/inbox.html", {
        "organisation": organisation, "referrals": inbox, "response_form": ResponseForm(),
    })


@login_required
@require_POST
def referral_respond(request, pk):
    referral = referrals.referral_get_for_partner(viewer=request.user, pk=pk)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please write a short message."))
    else:
        perform(request, lambda: request_services.response_create(
            help_request=referral.request, responder=request.user, message=form.cleaned_data["message"],
            organisation=referral.to_organisation,
        ), success=_("Thank you! We have told them your organisation can help."))
    return redirect("frontend:organisation_inbox", pk=referral.to_organisation_id)


@login_required
@require_POST
def referral_decline(request, pk):
    referral = referrals.referral_get_for_partner(viewer=request.user, pk=pk)
    perform(request, lambda: referrals.referral_decline(referral=referral, by=request.user),
             success=_("You have declined the request."))
    return redirect("frontend:organisation_inbox", pk=referral.to_organisation_id)


def refer_context(*, viewer, help_request):
    """What the request page needs for "Refer to a partner organisation": the form, for people who act for an
    organisation, on open requests."""
    acting_for = selectors.organisations_acting_for(neighbour=viewer)
    if help_request.status != HelpRequest.Status.OPEN or not acting_for.exists():
        return {"refer_form": None}
    return {"refer_form": ReferralForm(acting_for=acting_for)}


@login_required
@require_POST
def request_refer(request, pk):
    help_request = request_selectors.help_request_get_visible(viewer=request.user, pk=pk)
    form = ReferralForm(request.POST, acting_for=selectors.organisations_acting_for(neighbour=request.user))
    if not form.is_valid():
        messages.error(request, _("Choose your organisation and the partner organisation."))
    else:
        perform(request, lambda: referrals.referral_create(
            help_request=help_request, from_organisation=form.cleaned_data["organisation"],
            to_organisation=form.cleaned_data["to_organisation"], referred_by=request.user,
            note=form.cleaned_data["note"],
        ), success=_("The request is passed on. We have told the partner organisation."))
    return redirect("frontend:request_detail", pk=pk)

