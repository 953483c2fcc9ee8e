"""Pages for reporting content and for the community moderators' queue (the rules live in neighbours/moderation.py).

The moderation area does not exist (404) for anyone who is not a moderator.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frontend.feedback import perform
from frontend.views import rate_limited, safe_next
from neighbours import moderation
from neighbours.models import ModerationDecision, Neighbour, Report, ReportTarget


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Why are you reporting this?"), choices=Report.Reason.choices,
                               widget=forms.RadioSelect)
    note = forms.CharField(label=gettext_lazy("Anything else the moderators should know? (optional)"),
                           max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _target_url(target):
    names = {
        ReportTarget.REQUEST: "frontend:request_detail",
        ReportTarget.OFFER: "frontend:offer_detail",
        ReportTarget.ORGANISATION: "frontend:organisation_detail",
    }
    if target.type in names:
        return reverse(names[target.type], args=[target.id])
    if target.type == ReportTarget.MESSAGE:
        return reverse("frontend:thread_detail", args=[target.obj.thread_id]) + f"#message-{target.obj.seq}"
    return "/"


@login_required
@rate_limited("report")
def report(request):
    """``/report/?type=<request|offer|organisation|message|profile>&id=<id>``: the reasons form, then back."""
    target_type = request.POST.get("type") or request.GET.get("type", "")
    target_id = request.POST.get("id") or request.GET.get("id", "")
    try:
        target = moderation.target_get_for_reporter(
            reporter=request.user, target_type=target_type, target_id=int(target_id)
        )
    except (Http404, ValueError, TypeError):
        raise Http404 from None
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _report, created = moderation.report_create(
                reporter=request.user, target_type=target.type, target_id=target.id, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you. The community moderators will look at it.") if created else
                             _("You have already reported this. The moderators will look at it."))
            return redirect(safe_next(request) or _target_url(target))
    return render(request, "frontend/moderation/report.html", {
        "form": form, "target": target, "next": safe_next(request) or _target_url(target),
    }, status=400 if form.errors else 200)


def _moderator_or_404(request):
    try:
        moderation.check_is_moderator(request.user)
    except PermissionDenied:
        raise Http404 from None


@login_required
def queue(request):
    _moderator_or_404(request)
    return render(request, "frontend/moderation/queue.html", {
        "items": moderation.moderation_queue(moderator=request.user),
        "actions": ModerationDecision.Action.choices,
    })


@login_required
@require_POST
def decide(request):
    _moderator_or_404(request)
    action = request.POST.get("action", "")
    days = request.POST.get("suspend_days", "")
    perform(request, lambda: moderation.moderation_decide(
        moderator=request.user, target_type=request.POST.get("type", ""),
        target_id=_int(request.POST.get("id")), action=action, note=request.POST.get("note", "").strip()[:2000],
        suspend_days=_int(days) if days else None,
    ), success=_("Done. The people who reported it have been told."))
    return redirect("frontend:moderation_queue")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_POST
def verify(request, neighbour_id):
    """Grants (``verified=1``) or takes away the badge; for moderators and admins of the person's organisation."""
    neighbour = Neighbour.objects.filter(pk=neighbour_id, is_active=True).first()
    if neighbour is None:
        raise Http404
    if request.POST.get("verified") == "1":
        perform(request, lambda: moderation.neighbour_verify(neighbour=neighbour, by=request.user),
                success=_("%(name)s is now a verified neighbour.") % {"name": neighbour.display_name})
    else:
        perform(request, lambda: moderation.neighbour_unverify(neighbour=neighbour, by=request.user),
                success=_("%(name)s is no longer marked as verified.") % {"name": neighbour.display_name})
    return redirect(safe_next(request) or "/")
