"""Reads of help requests, with the visibility rules applied where the rows are fetched."""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from requests.models import Agreement, HelpRequest, Response


def help_request_list_visible(*, viewer):
    """Requests ``viewer`` may see: every open one, plus their own and those they have an agreement on.

    Rows carry ``viewer_is_helper``, which (with authorship) decides whether the exact location is shown.
    The viewer's few visible closed requests are looked up first and named by id, so that the main query is
    "open, or one of these ids": the planner can then use the partial index on open requests (an OR on the author
    or on an EXISTS would hide ``status = 'open'`` from it; see docs/benchmarks.md).
    """
    own_closed = set(
        HelpRequest.objects.filter(author=viewer).exclude(status=HelpRequest.Status.OPEN).values_list("pk", flat=True)
    )
    helped_closed = set(
        Agreement.objects.filter(helper=viewer).exclude(request__status=HelpRequest.Status.OPEN)
        .values_list("request_id", flat=True)
    )
    visible = Q(status=HelpRequest.Status.OPEN)
    if own_closed or helped_closed:
        visible |= Q(pk__in=sorted(own_closed | helped_closed))
    is_helper = Exists(Agreement.objects.filter(request=OuterRef("pk"), helper=viewer))
    return (
        HelpRequest.objects.select_related("category", "organisation", "author")
        .annotate(viewer_is_helper=is_helper)
        .filter(visible)
    )


def help_request_get_visible(*, viewer, pk):
    """The request, or Http404 when it does not exist for ``viewer``."""
    try:
        return help_request_list_visible(viewer=viewer).get(pk=pk)
    except (HelpRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def viewer_is_party(*, help_request, viewer):
    """The author, and a helper with an agreement, see the exact location."""
    if help_request.author_id == viewer.pk:
        return True
    flag = getattr(help_request, "viewer_is_helper", None)
    if flag is not None:
        return flag
    return Agreement.objects.filter(request=help_request, helper=viewer).exists()


def response_list_for_request(*, help_request, viewer):
    """The author sees every response; anyone else only their own."""
    responses = Response.objects.filter(request=help_request).select_related("responder", "organisation")
    if help_request.author_id != viewer.pk:
        responses = responses.filter(responder=viewer)
    return responses


def response_get_for_requester(*, viewer, pk):
    """A response to one of ``viewer``'s requests (Http404 otherwise: others' responses do not exist for them)."""
    response = Response.objects.select_related("request").filter(pk=pk).first()
    if response is None or not (
        response.request.author_id == viewer.pk or response.responder_id == viewer.pk
    ):
        raise Http404
    return response


def agreement_get_for_party(*, viewer, pk):
    agreement = (
        Agreement.objects.select_related("request", "requester", "helper", "helper_organisation")
        .filter(pk=pk)
        .filter(Q(requester=viewer) | Q(helper=viewer))
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement
