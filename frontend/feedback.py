"""Feedback for the pages' one-button forms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException


def perform(request, action, *, success):
    """Runs the service call behind a one-button form and tells the person how it went: a refusal
    (ValidationError, a 409-style conflict, PermissionDenied) becomes an error message, success the message
    ``success`` (text, or a function of the call's result). Returns whether it succeeded; the caller redirects
    either way."""
    try:
        result = action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except APIException as exc:  # Conflict and the other services' conflicts
        messages.error(request, str(exc.detail))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, success(result) if callable(success) else success)
        return True
    return False
