"""Pages for agreements: my agreements, one agreement with its dates (move, skip, add), proposals and their answers,
and the private calendar subscription link. Plain forms that work without JavaScript; every rule lives in
requests/agreements.py and requests/selectors.py."""

from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from frontend.feedback import perform
from frontend.views import safe_next
from requests import agreements as agreement_services
from requests import selectors
from requests.calendar import agreement_ics
from requests.models import Agreement, CalendarFeed, Occurrence, Proposal


class ProposalForm(forms.Form):
    """Move a date (date + time), skip it, or add one."""

    action = forms.ChoiceField(choices=Proposal.Action.choices, widget=forms.HiddenInput)
    occurrence = forms.IntegerField(required=False, widget=forms.HiddenInput)
    date = forms.DateField(label=gettext_lazy("New date"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label=gettext_lazy("Time"), required=False,
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    note = forms.CharField(label=gettext_lazy("Why? (optional)"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("action") in {Proposal.Action.MOVE, Proposal.Action.ADD}:
            if not data.get("date"):
                self.add_error("date", _("Choose the new date."))
            if not data.get("time"):
                self.add_error("time", _("Choose the time."))
        return data

    def starts_at(self):
        data = self.cleaned_data
        if data.get("date") and data.get("time"):
            return timezone.make_aware(datetime.combine(data["date"], data["time"]))
        return None


def _sides(agreement, viewer):
    return selectors.agreement_sides_of(agreement=agreement, viewer=viewer)


def may_decide(proposal, *, viewer, sides):
    """Whether ``viewer`` (standing on ``sides``) is shown Accept / Decline for ``proposal``."""
    return (
        proposal.status == Proposal.Status.PENDING and proposal.proposed_by_id != viewer.pk
        and bool(sides - {proposal.side})
    )


@login_required
def agreement_list(request):
    agreements = selectors.agreement_list_for(viewer=request.user)[:200]
    return render(request, "frontend/agreements/list.html", {"agreements": agreements})


@login_required
def agreement_detail(request, pk, form=None, form_occurrence=None):
    agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
    sides = _sides(agreement, request.user)
    now = timezone.now()
    upcoming = list(agreement.occurrences.filter(
        Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now)
    ).order_by("starts_at", "pk"))
    proposals = list(selectors.proposal_list_for_agreement(agreement=agreement))
    pending = [p for p in proposals if p.status == Proposal.Status.PENDING]
    for proposal in proposals:
        proposal.may_decide = may_decide(proposal, viewer=request.user, sides=sides)
        proposal.is_mine = proposal.proposed_by_id == request.user.pk
    feed = CalendarFeed.objects.filter(neighbour=request.user, agreement=agreement).first()
    feed_url = request.build_absolute_uri(reverse("frontend:calendar_feed", args=[feed.token])) if feed else None
    return render(request, "frontend/agreements/detail.html", {
        "agreement": agreement,
        "upcoming": [o for o in upcoming if o.status == Occurrence.Status.SCHEDULED],
        "skipped": [o for o in upcoming if o.status == Occurrence.Status.SKIPPED],
        "pending": pending,
        "history": [p for p in proposals if p.status != Proposal.Status.PENDING],
        "form": form,
        "form_occurrence": form_occurrence,
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1] if feed_url else None,
    }, status=400 if form is not None else 200)


@login_required
@require_POST
def agreement_propose(request, pk):
    agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
    form = ProposalForm(request.POST)
    occurrence_id = request.POST.get("occurrence") or None
    if form.is_valid():
        try:
            agreement_services.proposal_create(
                agreement=agreement, proposed_by=request.user, action=form.cleaned_data["action"],
                occurrence=form.cleaned_data["occurrence"], starts_at=form.starts_at(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                field = {"starts_at": "date", "ends_at": "time"}.get(field, field)
                form.add_error(field if field in form.fields and field != "occurrence" else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your proposal was sent. The date changes when the other side accepts."))
            return redirect("frontend:agreement_detail", pk=agreement.pk)
    try:
        form_occurrence = int(occurrence_id) if occurrence_id else None
    except ValueError:
        form_occurrence = None
    return agreement_detail(request, pk, form=form, form_occurrence=form_occurrence)


_DECISIONS = {
    "accept": (agreement_services.proposal_accept, gettext_lazy("You accepted the change.")),
    "decline": (agreement_services.proposal_decline, gettext_lazy("You declined the change.")),
    "withdraw": (agreement_services.proposal_withdraw, gettext_lazy("You took your proposal back.")),
}


@login_required
@require_POST
def proposal_decide(request, pk, decision):
    if decision not in _DECISIONS:
        raise Http404
    proposal = selectors.proposal_get_for_party(viewer=request.user, pk=pk)
    service, success = _DECISIONS[decision]
    perform(request, lambda: service(proposal=proposal, by=request.user), success=success)
    return redirect(safe_next(request) or reverse("frontend:agreement_detail", args=[proposal.agreement_id]))


@login_required
@require_POST
def calendar_link(request, pk):
    """Makes or renews the private subscription link (``stop`` in the form revokes it)."""
    agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
    if request.POST.get("stop"):
        agreement_services.calendar_feed_revoke(agreement=agreement, neighbour=request.user)
        messages.success(request, _("The calendar link no longer works."))
    else:
        agreement_services.calendar_feed_rotate(agreement=agreement, neighbour=request.user)
        messages.success(request, _("Your calendar link is ready. Any older link no longer works."))
    return redirect(reverse("frontend:agreement_detail", args=[agreement.pk]) + "#calendar")


@require_GET
def calendar_feed(request, token):
    """The private subscription URL: no login, the token is the key. 404 for an unknown or revoked token, or when
    its owner is no longer a party."""
    _feed, agreement = selectors.calendar_feed_get(token=token)
    text = agreement_ics(agreement=agreement, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


def proposal_cards(*, viewer, thread, messages_):
    """For the thread page: ``{message id: proposal}`` for the proposal messages shown, each with ``may_decide``
    and ``is_mine``, and the viewer's sides (empty unless the thread is about an agreement)."""
    agreement = thread.subject if isinstance(thread.subject, Agreement) else None
    if agreement is None:
        return None, {}, set()
    agreement = selectors.agreement_list_for(viewer=viewer).filter(pk=agreement.pk).first()
    if agreement is None:
        return None, {}, set()
    sides = _sides(agreement, viewer)
    ids = [m.pk for m in messages_ if m.kind == "proposal"]
    cards = {}
    for proposal in Proposal.objects.filter(message_id__in=ids, agreement=agreement):
        proposal.may_decide = may_decide(proposal, viewer=viewer, sides=sides)
        proposal.is_mine = proposal.proposed_by_id == viewer.pk
        cards[proposal.message_id] = proposal
    return agreement, cards, sides
