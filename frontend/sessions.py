"""Pages for group sessions: seats and waiting lists, my sessions, the organiser's view, assisted participation.

Many participants are new to digital tools: large buttons, plain words, one click to sign up or leave, and every
page works as plain forms without JavaScript. The rules live in ``offers.sessions``; these views parse and render.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frontend.feedback import perform
from neighbours.models import Membership, Organisation
from offers import selectors, sessions
from offers.models import SignUp
from requests.services import Conflict


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts (date and time)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("How long (minutes)"), min_value=15, max_value=24 * 60, initial=120
    )
    capacity = forms.IntegerField(label=gettext_lazy("Number of seats"), min_value=1, max_value=10_000, initial=12)
    place = forms.CharField(
        label=gettext_lazy("Where"), max_length=200, required=False,
        help_text=gettext_lazy("For example: The library, meeting room 2"),
    )

    def service_fields(self):
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"], "ends_at": data["starts_at"] + timedelta(minutes=data["duration_minutes"]),
            "capacity": data["capacity"], "place": data["place"],
        }


class AssistedSignUpForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("The person's name"), max_length=120)
    phone = forms.CharField(label=gettext_lazy("Their phone number"), max_length=32,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    organisation = forms.ModelChoiceField(label=gettext_lazy("On behalf of"), queryset=Organisation.objects.none(),
                                          empty_label=None)

    def __init__(self, *args, neighbour, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = assisting_organisations(neighbour)


class OnBehalfMessageForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


def assisting_organisations(neighbour):
    """Organisations in whose name ``neighbour`` may sign up people without a device."""
    return Organisation.objects.filter(
        kind__in=sessions.ASSISTING_KINDS,
        memberships__neighbour=neighbour,
        memberships__role__in=[Membership.Role.ADMIN, Membership.Role.COORDINATOR],
    ).distinct()


def _add_errors(form, error):
    for field, errors in error.message_dict.items():
        if field == "ends_at":
            field = "duration_minutes"
        form.add_error(field if field in form.fields else None, errors)


def offer_sessions_context(*, offer, viewer):
    """What the offer page shows about sessions: the upcoming ones (with seats left and my place) and, for
    organisers, the form for a new one."""
    organiser = sessions.is_organiser_of_offer(offer=offer, neighbour=viewer)
    return {
        "sessions": selectors.session_list_upcoming_for_offer(offer=offer, viewer=viewer),
        "is_session_organiser": organiser,
        "session_form": SessionForm() if organiser and offer.status == "active" else None,
    }


def _status_message(signup):
    if signup.status == SignUp.Status.CONFIRMED:
        return _("You have a seat.")
    return _("You are number %(position)d on the waiting list.") % {"position": signup.position}


@login_required
def session_create(request, pk):
    offer = selectors.help_offer_get_visible(viewer=request.user, pk=pk)
    if not sessions.is_organiser_of_offer(offer=offer, neighbour=request.user):
        raise PermissionDenied
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = sessions.session_create(offer=offer, by=request.user, **form.service_fields())
        except ValidationError as exc:
            _add_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc.detail))
        else:
            messages.success(request, _("The session is added. People can now sign up."))
            return redirect("frontend:session_organise", pk=session.pk)
    return render(request, "frontend/sessions/session_form.html", {
        "form": form, "offer": offer, "title": _("New session"), "submit": _("Add the session"),
    }, status=400 if form.errors else 200)


@login_required
def session_detail(request, pk):
    session = selectors.session_get_visible(viewer=request.user, pk=pk)
    session = selectors.session_with_counts(session=session, viewer=request.user)
    open_for_signups = session.status == "scheduled" and not session.has_started
    may_assist = open_for_signups and assisting_organisations(request.user).exists()
    return render(request, "frontend/sessions/session_detail.html", {
        "assisted_form": AssistedSignUpForm(neighbour=request.user) if may_assist else None,
        "session": session,
        "signup": session.my_signup,
        "status_message": _status_message(session.my_signup) if session.my_signup else "",
        "is_organiser": sessions.is_organiser(session=session, neighbour=request.user),
        "open_for_signups": open_for_signups,
    })


@login_required
@require_POST
def session_signup(request, pk):
    session = selectors.session_get_visible(viewer=request.user, pk=pk)
    perform(
        request, lambda: sessions.signup_create(session=session, neighbour=request.user)[0],
        success=_status_message,
    )
    if request.POST.get("next") == "offer":
        return redirect("frontend:offer_detail", pk=session.offer_id)
    return redirect("frontend:session_detail", pk=session.pk)


@login_required
@require_POST
def session_leave(request, pk):
    session = selectors.session_get_visible(viewer=request.user, pk=pk)
    signup = SignUp.objects.active().filter(session=session, neighbour=request.user).first()
    if signup is not None:
        perform(request, lambda: sessions.signup_cancel(signup=signup, by=request.user),
                 success=_("Your place is cancelled. Thank you for letting others have it."))
    if request.POST.get("next") == "offer":
        return redirect("frontend:offer_detail", pk=session.offer_id)
    if request.POST.get("next") == "mine":
        return redirect("frontend:my_sessions")
    return redirect("frontend:session_detail", pk=session.pk)


@login_required
def my_sessions(request):
    return render(request, "frontend/sessions/my_sessions.html", {
        "signups": selectors.signup_list_mine_upcoming(neighbour=request.user),
    })


@login_required
def session_organise(request, pk):
    session = selectors.session_get_for_organiser(viewer=request.user, pk=pk)
    edit_form = SessionForm(request.POST or None, initial=_initial(session))
    if request.method == "POST" and edit_form.is_valid():
        try:
            sessions.session_update(session=session, by=request.user, **edit_form.service_fields())
        except ValidationError as exc:
            _add_errors(edit_form, exc)
        except Conflict as exc:
            edit_form.add_error("capacity" if "seat" in str(exc.detail) else None, str(exc.detail))
        else:
            messages.success(request, _("The session is saved."))
            return redirect("frontend:session_organise", pk=session.pk)
    return _render_organise(request, session, edit_form=edit_form)


def _initial(session):
    return {
        "starts_at": timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"), "capacity": session.capacity,
        "place": session.place, "duration_minutes": int((session.ends_at - session.starts_at).total_seconds() // 60),
    }


def _render_organise(request, session, *, edit_form=None, assisted_form=None):
    session = selectors.session_with_counts(session=session, viewer=request.user)
    signups = list(selectors.signup_list_for_session(session=session))
    assisting = assisting_organisations(request.user)
    return render(request, "frontend/sessions/session_organise.html", {
        "session": session,
        "confirmed": [s for s in signups if s.status == SignUp.Status.CONFIRMED],
        "waiting": [s for s in signups if s.status == SignUp.Status.WAITLISTED],
        "edit_form": edit_form or SessionForm(initial=_initial(session)),
        "assisted_form": assisted_form or (AssistedSignUpForm(neighbour=request.user) if assisting else None),
        "assisting": assisting,
        "message_form": OnBehalfMessageForm(),
    }, status=400 if (edit_form and edit_form.errors) or (assisted_form and assisted_form.errors) else 200)


@login_required
@require_POST
def session_cancel(request, pk):
    session = selectors.session_get_for_organiser(viewer=request.user, pk=pk)
    perform(request, lambda: sessions.session_cancel(session=session, by=request.user),
             success=_("The session is cancelled. Everyone who signed up has been told."))
    return redirect("frontend:session_organise", pk=session.pk)


@login_required
@require_POST
def session_attendance(request, pk):
    """Saves the attendance checkboxes of the organiser's list: ticked came, unticked did not."""
    session = selectors.session_get_for_organiser(viewer=request.user, pk=pk)
    present = set(request.POST.getlist("present"))
    for signup in session.signups.filter(status=SignUp.Status.CONFIRMED):
        sessions.signup_mark_attended(signup=signup, by=request.user, attended=str(signup.pk) in present)
    messages.success(request, _("Attendance is saved."))
    return redirect("frontend:session_organise", pk=session.pk)


@login_required
@require_POST
def session_assisted_signup(request, pk):
    session = selectors.session_get_visible(viewer=request.user, pk=pk)
    form = AssistedSignUpForm(request.POST, neighbour=request.user)
    if form.is_valid():
        try:
            signup, created = sessions.signup_create_assisted(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except (Conflict, PermissionDenied) as exc:
            form.add_error(None, str(getattr(exc, "detail", exc)))
        else:
            if signup.status == SignUp.Status.CONFIRMED:
                text = _("%(name)s has a seat.") % {"name": signup.name}
            else:
                text = _("%(name)s is number %(position)d on the waiting list.") % {
                    "name": signup.name, "position": signup.position}
            messages.success(request, text if created else _("%(name)s was already signed up.") % {
                "name": signup.name})
            return redirect(*_back_for_assisted(request, session))
    if sessions.is_organiser(session=session, neighbour=request.user):
        return _render_organise(request, session, assisted_form=form)
    return render(request, "frontend/sessions/assisted_form.html", {"session": session, "form": form}, status=400)


def _back_for_assisted(request, session):
    if sessions.is_organiser(session=session, neighbour=request.user):
        return "frontend:session_organise", session.pk
    return "frontend:session_detail", session.pk


@login_required
@require_POST
def signup_cancel(request, pk):
    """An organiser or a coordinator cancels someone's place."""
    signup = selectors.signup_get_for_manager(viewer=request.user, pk=pk)
    perform(request, lambda: sessions.signup_cancel(signup=signup, by=request.user),
             success=_("The place of %(name)s is cancelled.") % {"name": signup.display_name})
    if request.POST.get("next") == "assisted" and signup.organisation_id:
        return redirect("frontend:organisation_assisted", pk=signup.organisation_id)
    if sessions.is_organiser(session=signup.session, neighbour=request.user):
        return redirect("frontend:session_organise", pk=signup.session_id)
    return redirect("frontend:session_detail", pk=signup.session_id)


@login_required
@require_POST
def signup_message(request, pk):
    """A coordinator writes in the session's conversation on behalf of a person they signed up."""
    signup = selectors.signup_get_for_manager(viewer=request.user, pk=pk)
    form = OnBehalfMessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please write a message first."))
    elif perform(request, lambda: sessions.assisted_message_send(signup=signup, by=request.user,
                                                                  body=form.cleaned_data["body"]),
                  success=_("The message is sent.")):
        return redirect("frontend:thread_detail", pk=signup.session.thread_id)
    return redirect("frontend:organisation_assisted", pk=signup.organisation_id)


@login_required
def organisation_assisted(request, pk):
    """The organisation's log of assisted participation, and the places its coordinators hold for people."""
    organisation = get_object_or_404(Organisation, pk=pk)
    actions = list(selectors.assisted_action_list(organisation=organisation, viewer=request.user)[:200])
    signups = selectors.assisted_signup_list(organisation=organisation, viewer=request.user)
    return render(request, "frontend/sessions/organisation_assisted.html", {
        "organisation": organisation, "actions": actions, "signups": signups, "message_form": OnBehalfMessageForm(),
    })
