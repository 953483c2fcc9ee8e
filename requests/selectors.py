"""Reads of help requests, with the visibility rules applied where the rows are fetched."""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from neighbours.models import Membership
from neighbours.selectors import exclude_blocked_authors
from requests.models import Agreement, CalendarFeed, HelpRequest, Proposal, Response

# Members with these roles act for their organisation (the same roles chat/ lets into an organisation's threads).
ACTING_ROLES = [Membership.Role.ADMIN, Membership.Role.COORDINATOR]


def help_request_list_visible(*, viewer):
    """Requests ``viewer`` may see: every open one, plus their own and those they have an agreement on, except
    those a moderator hid (which only their author still sees).

    Requests by someone the viewer blocked, or who blocked the viewer, are left out unless the viewer already helps
    with them (an agreement). The few ids involved are fetched first and excluded by value, which leaves the plan
    (and the spatial index) of the main query as it was.

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
    requests = (
        HelpRequest.objects.select_related("category", "organisation", "author")
        .annotate(viewer_is_helper=is_helper)
        .filter(visible)
        # Hidden by a community moderator: gone for everyone but its author (who sees a notice).
        .filter(Q(hidden_at__isnull=True) | Q(author=viewer))
    )
    return exclude_blocked_authors(requests, viewer=viewer, shared=lambda blocked: Agreement.objects.filter(
        helper=viewer, requester_id__in=blocked
    ).values_list("request_id", flat=True))



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


def _acts_for(organisation_field, viewer):
    """An EXISTS: ``viewer`` is an admin or coordinator of the agreement's organisation ``organisation_field``."""
    return Exists(Membership.objects.filter(
        organisation=OuterRef(organisation_field), neighbour=viewer, role__in=ACTING_ROLES,
    ))


def agreement_list_for(*, viewer):
    """The agreements ``viewer`` is a party to: as the requester or helper, or as an admin or coordinator of the
    request's organisation or of the helper's organisation. Newest first."""
    if not getattr(viewer, "is_authenticated", False):
        return Agreement.objects.none()
    return (
        Agreement.objects.select_related(
            "request", "request__organisation", "requester", "helper", "helper_organisation"
        )
        .filter(
            Q(requester=viewer) | Q(helper=viewer)
            | _acts_for("request__organisation", viewer) | _acts_for("helper_organisation", viewer)
        )
        .order_by("-created_at", "-pk")
    )


def agreement_get_for_party(*, viewer, pk):
    """The agreement, or Http404 unless ``viewer`` is one of its parties (see ``agreement_list_for``)."""
    try:
        return agreement_list_for(viewer=viewer).get(pk=pk)
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def agreement_sides_of(*, agreement, viewer):
    """The sides (``"requester"``, ``"helper"``) ``viewer`` stands on in ``agreement``; empty for a stranger.

    One can stand on both (a coordinator of both organisations): such a neighbour may propose but never decide
    their own proposal (the services check the person too).
    """
    sides = set()
    acting = set(
        Membership.objects.filter(neighbour=viewer, role__in=ACTING_ROLES).values_list("organisation_id", flat=True)
    ) if getattr(viewer, "is_authenticated", False) else set()
    if agreement.requester_id == viewer.pk or agreement.request.organisation_id in acting:
        sides.add(Proposal.Side.REQUESTER)
    if agreement.helper_id == viewer.pk or agreement.helper_organisation_id in acting:
        sides.add(Proposal.Side.HELPER)
    return sides


def proposal_list_for_agreement(*, agreement):
    """Every proposal of an agreement (pending and decided), newest first."""
    return agreement.proposals.select_related("occurrence", "proposed_by", "decided_by")


def proposal_get_for_party(*, viewer, pk):
    """A proposal of one of ``viewer``'s agreements, or Http404."""
    try:
        proposal = Proposal.objects.select_related("occurrence").get(pk=pk)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    agreement_get_for_party(viewer=viewer, pk=proposal.agreement_id)
    return proposal


def calendar_feed_get(*, token):
    """The subscription with this token, if its neighbour is still a party to the agreement; Http404 otherwise."""
    feed = CalendarFeed.objects.select_related("neighbour").filter(token=token).first() if token else None
    if feed is None or not feed.neighbour.is_active:
        raise Http404
    return feed, agreement_get_for_party(viewer=feed.neighbour, pk=feed.agreement_id)
