"""Every write about help requests: posting, editing, cancelling, expiring, responses and agreements."""

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException

from chat.services import message_send, notification_send, thread_open
from geo.privacy import approximate_point
from geo.selectors import rounded_km
from geo.services import check_inside_service_area
from neighbours.models import Neighbour, NotifyFrequency
from neighbours.selectors import check_may_manage_post, check_may_post, check_not_blocked
from requests import schedule
from requests.models import Agreement, HelpRequest, Occurrence, Response

# Nobody's reach is larger than this, so the search for neighbours to tell about a new request stays index-backed.
_MAX_REACH_KM = 100


class Conflict(APIException):
    """The object is not in a state that allows this (HTTP 409)."""

    status_code = 409
    default_code = "conflict"


def _notify_neighbours_nearby(help_request):
    """Tells neighbours who care about this category, and whose reach covers the request, that it was posted."""
    point = help_request.location_approx
    nearby = (
        Neighbour.objects.filter(
            is_active=True,
            interests=help_request.category,
            notify_frequency=NotifyFrequency.INSTANT,
            home_approx__dwithin=(point, D(km=_MAX_REACH_KM)),
        )
        .exclude(pk=help_request.author_id)
        .annotate(distance=Distance("home_approx", point))
        .filter(distance__lte=F("reach_km") * 1000)
    )
    for neighbour in nearby:
        notification_send(
            recipient=neighbour,
            kind="request_nearby",
            payload={
                "request": help_request.pk,
                "title": help_request.title,
                "category": help_request.category.slug,
                "distance_km": rounded_km(neighbour.distance),
            },
        )


@transaction.atomic
def help_request_create(
    *, author, category, title, description="", location=None, needed_from=None, needed_until=None,
    recurrence="", organisation=None, notify_nearby=True,
):
    """Posts a request; its location defaults to the author's home. Tells interested neighbours nearby (unless
    ``notify_nearby`` is false: a request made from an offer is between two people only).

    Raises PermissionDenied (unverified author, no role in the organisation) or ValidationError by field (no
    location, outside the service area, timing).
    """
    check_may_post(author=author, organisation=organisation)
    location = location or author.home
    if location is None:
        raise ValidationError({"location": [_("Give a place, or add your home address to your profile first.")]})
    check_inside_service_area(location)
    schedule.check_when(needed_from=needed_from, needed_until=needed_until, recurrence=recurrence)
    now = timezone.now()
    help_request = HelpRequest(
        author=author, organisation=organisation, category=category, title=title, description=description,
        location=location, location_approx=approximate_point(location), needed_from=needed_from,
        needed_until=needed_until, recurrence=recurrence, created_at=now,
        expires_at=schedule.expiry_for(
            needed_from=needed_from, needed_until=needed_until, recurrence=recurrence, created_at=now
        ),
    )
    help_request.full_clean()
    help_request.save()
    if notify_nearby:
        _notify_neighbours_nearby(help_request)
    return help_request


@transaction.atomic
def help_request_update(*, help_request, editor, **changes):
    """Changes an open request (title, description, category, location, timing). Raises PermissionDenied,
    Conflict (not open) or ValidationError."""
    allowed = {"title", "description", "category", "location", "needed_from", "needed_until", "recurrence"}
    if set(changes) - allowed:
        raise TypeError(f"not editable: {sorted(set(changes) - allowed)}")
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    check_may_manage_post(post=help_request, neighbour=editor)
    if help_request.status != HelpRequest.Status.OPEN:
        raise Conflict(_("Only open requests can be changed."))
    for field, value in changes.items():
        setattr(help_request, field, value)
    if "location" in changes:
        check_inside_service_area(help_request.location)
        help_request.location_approx = approximate_point(help_request.location)
    schedule.check_when(
        needed_from=help_request.needed_from, needed_until=help_request.needed_until,
        recurrence=help_request.recurrence,
    )
    help_request.expires_at = schedule.expiry_for(
        needed_from=help_request.needed_from, needed_until=help_request.needed_until,
        recurrence=help_request.recurrence, created_at=help_request.created_at,
    )
    help_request.full_clean()
    help_request.save()
    return help_request


@transaction.atomic
def help_request_cancel(*, help_request, by):
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    check_may_manage_post(post=help_request, neighbour=by)
    if help_request.status not in {HelpRequest.Status.OPEN, HelpRequest.Status.MATCHED}:
        raise Conflict(_("This request is already closed."))
    help_request.status = HelpRequest.Status.CANCELLED
    help_request.save(update_fields=["status", "updated_at"])
    return help_request


def help_requests_expire(*, now=None):
    """Expires open requests whose time is up and reminds authors of those about to expire.

    Meant for a timer (``manage.py expire_requests``, e.g. every 15 minutes). Returns (expired, reminded).
    """
    now = now or timezone.now()
    with transaction.atomic():
        expired = HelpRequest.objects.filter(status=HelpRequest.Status.OPEN, expires_at__lte=now).update(
            status=HelpRequest.Status.EXPIRED, updated_at=now
        )
    soon = now + timedelta(hours=settings.DUGNAD_EXPIRY_REMINDER_HOURS)
    reminded = 0
    due = HelpRequest.objects.filter(
        status=HelpRequest.Status.OPEN, expires_at__gt=now, expires_at__lte=soon, expiry_reminder_sent_at__isnull=True
    ).select_related("author")
    for help_request in due:
        with transaction.atomic():
            # Claim the reminder first, so that two timers running at once never send it twice.
            claimed = HelpRequest.objects.filter(pk=help_request.pk, expiry_reminder_sent_at__isnull=True).update(
                expiry_reminder_sent_at=now
            )
            if claimed:
                notification_send(
                    recipient=help_request.author,
                    kind="request_expiring",
                    payload={"request": help_request.pk, "title": help_request.title,
                             "expires_at": help_request.expires_at.isoformat()},
                )
                reminded += 1
    return expired, reminded


@transaction.atomic
def response_create(*, help_request, responder, message, organisation=None):
    """"I can help". Raises PermissionDenied, ValidationError (own request) or Conflict (closed, or answered)."""
    check_may_post(author=responder, organisation=organisation)
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if help_request.author_id == responder.pk:
        raise ValidationError({"non_field_errors": [_("You cannot answer your own request.")]})
    check_not_blocked(responder, help_request.author)
    if help_request.status not in {HelpRequest.Status.OPEN, HelpRequest.Status.MATCHED}:
        raise Conflict(_("This request is closed."))
    response = Response(request=help_request, responder=responder, organisation=organisation, message=message)
    response.full_clean(validate_unique=False, validate_constraints=False)  # the database enforces "once"
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise Conflict(_("You have already answered this request.")) from None
    if organisation is not None:
        from requests.referrals import referrals_mark_responded  # referrals builds on this module

        referrals_mark_responded(help_request=help_request, organisation=organisation, by=responder)
    notification_send(
        recipient=help_request.author,
        kind="new_response",
        payload={"request": help_request.pk, "response": response.pk, "from": responder.display_name},
    )
    return response


@transaction.atomic
def response_accept(*, response, by):
    """The requester accepts a response: an agreement with its thread and dated occurrences.

    Several responses may be accepted (needs that want more than one helper). Raises PermissionDenied or Conflict.
    """
    help_request = HelpRequest.objects.select_for_update().get(pk=response.request_id)
    response = Response.objects.select_for_update().get(pk=response.pk)
    check_may_manage_post(post=help_request, neighbour=by)
    check_not_blocked(help_request.author, response.responder)
    if response.status != Response.Status.PENDING:
        raise Conflict(_("This answer has already been dealt with."))
    if help_request.status not in {HelpRequest.Status.OPEN, HelpRequest.Status.MATCHED}:
        raise Conflict(_("This request is closed."))
    agreement = Agreement.objects.create(
        request=help_request, response=response, requester=help_request.author, helper=response.responder,
        helper_organisation=response.organisation,
    )
    agreement.thread = thread_open(
        subject=agreement, participants=[help_request.author, response.responder],
        organisations=[help_request.organisation, response.organisation], title=help_request.title,
    )
    agreement.save(update_fields=["thread"])
    if response.message.strip():
        message_send(thread_id=agreement.thread_id, author=response.responder, body=response.message)
    Occurrence.objects.bulk_create(
        Occurrence(agreement=agreement, starts_at=start, ends_at=end, rule_starts_at=start)
        for start, end in schedule.occurrence_times(
            needed_from=help_request.needed_from, needed_until=help_request.needed_until,
            recurrence=help_request.recurrence,
        )
    )
    response.status = Response.Status.ACCEPTED
    response.save(update_fields=["status"])
    help_request.status = HelpRequest.Status.MATCHED
    help_request.save(update_fields=["status", "updated_at"])
    notification_send(
        recipient=response.responder,
        kind="response_accepted",
        payload={"request": help_request.pk, "agreement": agreement.pk, "thread": agreement.thread_id},
    )
    return agreement


_DIGEST_PERIODS = {NotifyFrequency.DAILY: timedelta(days=1), NotifyFrequency.WEEKLY: timedelta(days=7)}
# At most this many posts are listed in one digest (the newest); the e-mail links to the rest.
_DIGEST_MAX_ITEMS = 20


def digests_send(*, frequency, base_url, now=None):
    """E-mails each neighbour on a daily or weekly ``frequency`` the open requests in their categories, within
    their reach, posted since their last digest. Meant for a timer (``manage.py send_digests daily|weekly``).

    A neighbour is marked as sent before their e-mail goes out, so two timers running at once never send one twice.
    Returns how many e-mails were sent.
    """
    if frequency not in _DIGEST_PERIODS:
        raise ValueError(f"digests are daily or weekly, not {frequency!r}")
    now = now or timezone.now()
    period = _DIGEST_PERIODS[frequency]
    sent = 0
    readers = Neighbour.objects.filter(
        is_active=True, notify_frequency=frequency, home_approx__isnull=False, interests__isnull=False
    ).distinct()
    for reader in readers:
        since = reader.last_digest_at or now - period
        if since > now - period + timedelta(minutes=5):
            continue  # not due yet (the timer may run more often than the period)
        with transaction.atomic():
            claimed = Neighbour.objects.filter(pk=reader.pk, last_digest_at=reader.last_digest_at).update(
                last_digest_at=now
            )
            if not claimed:
                continue
            posts = list(
                HelpRequest.objects.filter(
                    status=HelpRequest.Status.OPEN,
                    hidden_at__isnull=True,
                    category__in=reader.interests.all(),
                    created_at__gt=since,
                    created_at__lte=now,
                    location_approx__dwithin=(reader.home_approx, D(km=reader.reach_km)),
                )
                .exclude(author=reader)
                .select_related("category")
                .annotate(distance=Distance("location_approx", reader.home_approx))
                .order_by("-created_at")[:_DIGEST_MAX_ITEMS]
            )
            if not posts:
                continue
            for post in posts:
                post.distance_km = rounded_km(post.distance)
                post.url = base_url + reverse("frontend:request_detail", args=[post.pk])
            transaction.on_commit(lambda reader=reader, posts=posts: _send_digest(reader, posts, base_url))
            sent += 1
    return sent


def _send_digest(reader, posts, base_url):
    with translation.override(reader.language):
        context = {"neighbour": reader, "posts": posts, "more_url": base_url + reverse("frontend:request_list"),
                   "profile_url": base_url + reverse("frontend:profile")}
        subject = " ".join(render_to_string("requests/email/digest_subject.txt", context).split())
        body = render_to_string("requests/email/digest_body.txt", context)
    send_mail(subject, body, None, [reader.email])
