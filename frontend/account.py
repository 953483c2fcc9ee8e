"""Pages about a neighbour's own data: the privacy page (public), "My data" with the download, and deleting the
account. The rules live in ``neighbours.data``; these views parse and render."""

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from frontend.views import too_many_attempts
from geo.privacy import GRID_METRES
from neighbours import data, ratelimit
from neighbours.services import OrganisationConflict


@require_GET
def privacy(request):
    """What Dugnad stores, for how long and who sees it, with the numbers taken from the running settings."""
    context = {
        "grid_metres": GRID_METRES,
        "closed_days": settings.DUGNAD_RETENTION_CLOSED_REQUEST_DAYS,
        "thread_days": settings.DUGNAD_RETENTION_THREAD_DAYS,
        "notification_days": settings.DUGNAD_RETENTION_NOTIFICATION_DAYS,
        "request_days": settings.DUGNAD_REQUEST_TTL_DAYS,
        "invitation_days": settings.DUGNAD_INVITATION_DAYS,
        "unread_minutes": settings.DUGNAD_UNREAD_EMAIL_AFTER_MINUTES,
        "operator_contact": settings.DUGNAD_OPERATOR_CONTACT,
    }
    return render(request, "frontend/account/privacy.html", context)


@login_required
@require_GET
def my_data(request):
    return render(request, "frontend/account/my_data.html")


@login_required
@require_GET
def my_data_download(request):
    """The same JSON as ``GET /api/v1/me/export/``, for the logged-in neighbour, as a file to save."""
    body = json.dumps(data.neighbour_export(neighbour=request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{data.export_filename()}"'
    return response


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("To be sure it is you."),
    )


@login_required
def account_delete(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST":
        # Password confirmations count as login attempts on the account (the same limit as the login form).
        retry_after = ratelimit.hit("login_email", request.user.email)
        if retry_after is not None:
            return too_many_attempts(request, retry_after)
    if request.method == "POST" and form.is_valid():
        try:
            data.neighbour_erase(neighbour=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_error("password", exc.message_dict.get("password", exc.messages))
        except OrganisationConflict as exc:  # hand the organisation over first
            form.add_error(None, str(exc.detail))
        else:
            logout(request)  # flushes the session
            messages.success(request, _("Your account has been deleted. Thank you for helping your neighbours."))
            return redirect("frontend:home")
    return render(request, "frontend/account/delete.html", {"form": form})
