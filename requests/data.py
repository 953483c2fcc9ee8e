"""requests/' part of data protection (registered with ``neighbours.data`` in ``RequestsConfig.ready``): help
requests, answers, agreements, proposals and calendar links in a neighbour's export; their name taken out of
notifications about their answers when they erase their account; old closed requests deleted."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from chat.data import notifications_forget_sender
from chat.services import notification_send
from neighbours.data import point_json, when
from requests.models import Agreement, CalendarFeed, HelpRequest, Proposal, Response

# Requests in these states are over; after DUGNAD_RETENTION_CLOSED_REQUEST_DAYS without a change they are deleted.
CLOSED_STATUSES = (HelpRequest.Status.DONE, HelpRequest.Status.CANCELLED, HelpRequest.Status.EXPIRED)


def _party(neighbour):
    return {"id": neighbour.pk, "display_name": neighbour.display_name}


def _request_json(row):
    return {
        "id": row.pk, "organisation": row.organisation_id, "category": row.category.slug, "title": row.title,
        "description": row.description, "location": point_json(row.location),
        "location_approx": point_json(row.location_approx), "needed_from": when(row.needed_from),
        "needed_until": when(row.needed_until), "recurrence": row.recurrence, "status": row.status,
        "expires_at": when(row.expires_at), "created_at": when(row.created_at), "updated_at": when(row.updated_at),
        "responses_received": [
            {"id": answer.pk, "from": _party(answer.responder), "organisation": answer.organisation_id,
             "message": answer.message, "status": answer.status, "created_at": when(answer.created_at)}
            for answer in row.responses.all()
        ],
    }


def _proposal_json(row, neighbour):
    return {
        "id": row.pk, "action": row.action, "occurrence": row.occurrence_id, "old_starts_at": when(row.old_starts_at),
        "starts_at": when(row.starts_at), "ends_at": when(row.ends_at), "note": row.note, "side": row.side,
        "status": row.status, "created_at": when(row.created_at), "decided_at": when(row.decided_at),
        "made_by_me": row.proposed_by_id == neighbour.pk, "decided_by_me": row.decided_by_id == neighbour.pk,
    }


def export(neighbour):
    requests = (
        HelpRequest.objects.filter(author=neighbour).select_related("category")
        .prefetch_related("responses__responder").order_by("created_at", "pk")
    )
    responses = Response.objects.filter(responder=neighbour).select_related("request").order_by("created_at", "pk")
    agreements = (
        Agreement.objects.filter(Q(requester=neighbour) | Q(helper=neighbour))
        .select_related("request", "requester", "helper").prefetch_related("occurrences").order_by("created_at", "pk")
    )
    proposals = Proposal.objects.filter(Q(proposed_by=neighbour) | Q(decided_by=neighbour))
    proposals_by_agreement = {}
    for row in proposals.order_by("created_at", "pk"):
        proposals_by_agreement.setdefault(row.agreement_id, []).append(_proposal_json(row, neighbour))
    return {
        "help_requests": [_request_json(row) for row in requests],
        "responses": [
            {"id": row.pk, "request": {"id": row.request_id, "title": row.request.title},
             "organisation": row.organisation_id, "message": row.message, "status": row.status,
             "created_at": when(row.created_at)}
            for row in responses
        ],
        "agreements": [
            {
                "id": row.pk, "request": {"id": row.request_id, "title": row.request.title},
                "my_side": "requester" if row.requester_id == neighbour.pk else "helper",
                "requester": _party(row.requester), "helper": _party(row.helper),
                "helper_organisation": row.helper_organisation_id, "thread": row.thread_id,
                "created_at": when(row.created_at),
                "occurrences": [
                    {"id": item.pk, "starts_at": when(item.starts_at), "ends_at": when(item.ends_at),
                     "status": item.status}
                    for item in row.occurrences.all()
                ],
                "proposals": proposals_by_agreement.get(row.pk, []),
            }
            for row in agreements
        ],
        # The tokens are left out: a copy of the export must not be a way into the calendar.
        "calendar_feeds": [
            {"agreement": row.agreement_id, "created_at": when(row.created_at)}
            for row in CalendarFeed.objects.filter(neighbour=neighbour).order_by("created_at", "pk")
        ],
    }


def _agreements_end(neighbour):
    """Tells the other side of each of ``neighbour``'s agreements that it ends with the account (``agreement_ended``,
    pointing at the thread, which stays). A request that loses its only agreement because its helper leaves is open
    again, so that someone else can help (the expiry timer closes it if its time has passed)."""
    agreements = (
        Agreement.objects.filter(Q(requester=neighbour) | Q(helper=neighbour))
        .select_related("request", "requester", "helper").order_by("pk")
    )
    for deal in agreements:
        other = deal.helper if deal.requester_id == neighbour.pk else deal.requester
        if other.pk == neighbour.pk:
            continue
        reopened = False
        if deal.helper_id == neighbour.pk and deal.request.author_id != neighbour.pk:
            help_request = HelpRequest.objects.select_for_update().get(pk=deal.request_id)
            still_helped = help_request.agreements.exclude(helper=neighbour).exists()
            if help_request.status == HelpRequest.Status.MATCHED and not still_helped:
                help_request.status = HelpRequest.Status.OPEN
                help_request.save(update_fields=["status", "updated_at"])
                reopened = True
        notification_send(
            recipient=other, kind="agreement_ended",
            payload={"request": deal.request_id, "title": deal.request.title, "thread": deal.thread_id,
                     "reopened": reopened},
        )


def erase(neighbour):
    """Ends their agreements (the other side is told; a request left without a helper is open again) and takes their
    name out of the notifications others got about their answers and proposals (the answers and agreements
    themselves go with the account, by cascade)."""
    _agreements_end(neighbour)
    response_ids = list(Response.objects.filter(responder=neighbour).values_list("pk", flat=True))
    threads = list(
        Agreement.objects.filter(Q(requester=neighbour) | Q(helper=neighbour)).exclude(thread=None)
        .values_list("thread_id", flat=True)
    )
    notifications_forget_sender(
        neighbour=neighbour, match=Q(payload__response__in=response_ids) | Q(payload__thread__in=threads)
    )


def purge(*, now, dry_run):
    """Requests that are done, cancelled or expired and unchanged for DUGNAD_RETENTION_CLOSED_REQUEST_DAYS, with
    their answers, agreements and dates (the agreements' threads are left to the thread retention)."""
    cutoff = now - timedelta(days=settings.DUGNAD_RETENTION_CLOSED_REQUEST_DAYS)
    old = HelpRequest.objects.filter(status__in=CLOSED_STATUSES, updated_at__lt=cutoff)
    count = old.count()
    if not dry_run and count:
        old.delete()
    return {"help requests": count}
