"""Project-wide DRF hooks."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus: a service's Django ValidationError is a 400 with field errors, and an unreachable
    database a 503 (not a 500)."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors":
                                                                                          exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None and isinstance(exc, (OperationalError, InterfaceError)):
        response = Response(
            {"detail": _("The service is temporarily unavailable. Please try again in a minute.")},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "30"},
        )
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """A URL under /api/ that no API view serves (an id that is not a number, a typo): JSON like every API answer,
    not the HTML page of the site."""
    return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=status.HTTP_404_NOT_FOUND)
