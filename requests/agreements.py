"""Every write about agreements after they are made: extending schedules, proposals (move, skip or add a date) and
their decisions, calendar subscription links and reminders before a date.

Only an accepted proposal changes the schedule. An occurrence keeps its identity for ever (its calendar UID derives
from its id); every change bumps its ``sequence`` so calendar apps replace their copy.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _

from chat.models import Message
from chat.services import message_send, notification_send
from requests import schedule
from requests.models import Agreement, CalendarFeed, HelpRequest, Occurrence, Proposal
from requests.selectors import agreement_get_for_party, agreement_sides_of
from requests.services import Conflict

# "Friday 12 June, 18:00": day and month names come from the active language.
DATE_FORMAT = "l j F, H:i"


def format_when(value):
    """A date as people say it, in the configured time zone and the active language."""
    return dateformat.format(timezone.localtime(value), DATE_FORMAT)


# --- schedules -----------------------------------------------------------------------------------------------------


def _open_ended_rule(help_request):
    """The request's rule if it repeats without end (no COUNT, no UNTIL), else None."""
    if not help_request.recurrence or help_request.needed_from is None:
        return None
    try:
        rule = schedule.parse_recurrence(help_request.recurrence, dtstart=help_request.needed_from)
    except ValidationError:
        return None
    if rule._count is not None or rule._until is not None:
        return None
    return rule


def agreement_schedules_extend(*, now=None):
    """Adds the dates of open-ended schedules that came within the horizon (``DUGNAD_OCCURRENCE_HORIZON_DAYS``).

    Only rule dates later than the latest one already made are added, and (agreement, rule date) is unique, so
    running it twice, or two timers at once, adds each date once, and a moved or skipped date is never made again.
    Meant for a timer (``manage.py extend_schedules``). Returns how many dates were added.
    """
    now = now or timezone.now()
    horizon_end = now + timedelta(days=settings.DUGNAD_OCCURRENCE_HORIZON_DAYS)
    agreements = (
        Agreement.objects.filter(request__needed_from__isnull=False)
        .exclude(request__recurrence="")
        .exclude(request__status=HelpRequest.Status.CANCELLED)
        .select_related("request")
        .annotate(last_rule_date=Max("occurrences__rule_starts_at"))
    )
    added = 0
    for agreement in agreements.iterator():
        help_request = agreement.request
        rule = _open_ended_rule(help_request)
        if rule is None:
            continue
        after = agreement.last_rule_date or help_request.needed_from - timedelta(microseconds=1)
        starts = rule.between(after, horizon_end, inc=False)[: schedule.MAX_OCCURRENCES]
        if not starts:
            continue
        length = help_request.needed_until - help_request.needed_from if help_request.needed_until else None
        with transaction.atomic():
            before = Occurrence.objects.filter(agreement=agreement).count()
            Occurrence.objects.bulk_create(
                [Occurrence(agreement=agreement, starts_at=start, ends_at=start + length if length else None,
                            rule_starts_at=start, updated_at=now) for start in starts],
                ignore_conflicts=True,
            )
            added += Occurrence.objects.filter(agreement=agreement).count() - before
    return added


# --- proposals -----------------------------------------------------------------------------------------------------


def _side_of(*, agreement, neighbour):
    """The side ``neighbour`` proposes for; PermissionDenied for someone who is not a party."""
    sides = agreement_sides_of(agreement=agreement, viewer=neighbour)
    if not sides:
        raise PermissionDenied(_("Only the people in this agreement can change its dates."))
    if len(sides) == 1:
        return next(iter(sides))
    return Proposal.Side.HELPER if agreement.helper_id == neighbour.pk else Proposal.Side.REQUESTER


def proposal_text(proposal):
    """What a proposal asks for, in plain words and the active language."""
    if proposal.action == Proposal.Action.MOVE:
        text = _("Move %(old)s to %(new)s") % {
            "old": format_when(proposal.old_starts_at), "new": format_when(proposal.starts_at)}
    elif proposal.action == Proposal.Action.SKIP:
        text = _("Skip %(old)s") % {"old": format_when(proposal.old_starts_at)}
    else:
        text = _("Add %(new)s") % {"new": format_when(proposal.starts_at)}
    if proposal.note:
        text = f"{text} – {proposal.note}"
    return text


# Dates are planned at most this far ahead (a typo in the year is caught, and date arithmetic stays in range).
MAX_DAYS_AHEAD = 3 * 366


def _check_future(value, field, now):
    if value <= now:
        raise ValidationError({field: [_("Choose a time in the future.")]})
    if value > now + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({field: [_("Choose a date within the next three years.")]})


@transaction.atomic
def proposal_create(
    *, agreement, proposed_by, action, occurrence=None, starts_at=None, ends_at=None, note="", now=None,
):
    """A party proposes to move or skip a future scheduled ``occurrence`` of ``agreement``, or to add a date.

    Nothing changes until the other side accepts. Posts a ``proposal`` message in the agreement's thread, written in
    the proposer's language, and tells the other side's requester or helper (``proposal_made``). ``ends_at``
    defaults to keeping the length of the date (or of the request's window).
    Raises PermissionDenied (not a party, or a block) or ValidationError by field.
    """
    now = now or timezone.now()
    side = _side_of(agreement=agreement, neighbour=proposed_by)
    if action not in Proposal.Action.values:
        raise ValidationError({"action": [_("Choose move, skip or add.")]})
    note = (note or "").strip()
    if action == Proposal.Action.ADD:
        occurrence = None
    else:
        if occurrence is None:
            raise ValidationError({"occurrence": [_("Choose the date to change.")]})
        occurrence = Occurrence.objects.select_for_update().filter(pk=getattr(occurrence, "pk", occurrence)).first()
        if occurrence is None or occurrence.agreement_id != agreement.pk:
            raise ValidationError({"occurrence": [_("This date is not part of this agreement.")]})
        if occurrence.status != Occurrence.Status.SCHEDULED:
            raise ValidationError({"occurrence": [_("This date is no longer planned.")]})
        if occurrence.starts_at <= now:
            raise ValidationError({"occurrence": [_("This date has already passed.")]})
    if action == Proposal.Action.SKIP:
        starts_at = ends_at = None
    else:
        if starts_at is None:
            raise ValidationError({"starts_at": [_("Choose the new date and time.")]})
        _check_future(starts_at, "starts_at", now)
        if ends_at is None:
            length = _length_of(agreement=agreement, occurrence=occurrence)
            ends_at = starts_at + length if length is not None else None
        elif ends_at < starts_at or ends_at > starts_at + timedelta(days=MAX_DAYS_AHEAD):
            raise ValidationError({"ends_at": [_("The end must be after the start.")]})
    proposal = Proposal.objects.create(
        agreement=agreement, action=action, occurrence=occurrence,
        occurrence_sequence=occurrence.sequence if occurrence else None, starts_at=starts_at, ends_at=ends_at,
        old_starts_at=occurrence.starts_at if occurrence else None,
        note=note[:500], proposed_by=proposed_by, side=side, created_at=now,
    )
    with translation.override(proposed_by.language):
        body = _("Proposal: %(change)s") % {"change": proposal_text(proposal)}
    message, _created = message_send(
        thread_id=agreement.thread_id, author=proposed_by, body=body, kind=Message.Kind.PROPOSAL,
        data={
            "proposal": proposal.pk, "action": action, "side": side,
            "occurrence": occurrence.pk if occurrence else None,
            "starts_at": starts_at.isoformat() if starts_at else None,
            "ends_at": ends_at.isoformat() if ends_at else None,
            "old_starts_at": occurrence.starts_at.isoformat() if occurrence else None,
            "note": proposal.note,
        },
    )
    proposal.message = message
    proposal.save(update_fields=["message"])
    other = agreement.requester if side == Proposal.Side.HELPER else agreement.helper
    if other.pk != proposed_by.pk:
        notification_send(
            recipient=other,
            kind="proposal_made",
            payload={"agreement": agreement.pk, "proposal": proposal.pk, "title": agreement.request.title,
                     "thread": agreement.thread_id, "from": proposed_by.display_name},
        )
    return proposal


def _length_of(*, agreement, occurrence):
    if occurrence is not None:
        return occurrence.ends_at - occurrence.starts_at if occurrence.ends_at else None
    first = agreement.occurrences.filter(ends_at__isnull=False).order_by("starts_at").first()
    if first is not None:
        return first.ends_at - first.starts_at
    help_request = agreement.request
    if help_request.needed_from and help_request.needed_until:
        return help_request.needed_until - help_request.needed_from
    return None


def proposal_accept(*, proposal, by):
    """The other side accepts: the change is made. Raises PermissionDenied (the proposer's own side) or Conflict
    (decided already; or the date changed since, which also marks the proposal out of date)."""
    return _decide(proposal=proposal, by=by, status=Proposal.Status.ACCEPTED)


def proposal_decline(*, proposal, by):
    """The other side declines: nothing changes. Raises PermissionDenied or Conflict like ``proposal_accept``."""
    return _decide(proposal=proposal, by=by, status=Proposal.Status.DECLINED)


def _decide(*, proposal, by, status):
    proposal, conflict = _decide_locked(proposal=proposal, by=by, status=status)
    # Raised only after the commit, so that marking the proposal out of date is kept.
    if conflict:
        raise Conflict(conflict)
    return proposal


@transaction.atomic
def _decide_locked(*, proposal, by, status):
    """Locks the proposal, then its occurrence (always in this order), so that of two concurrent decisions one
    waits for the other and then finds the proposal decided. Returns ``(proposal, conflict message or None)``."""
    proposal = Proposal.objects.select_for_update().select_related("agreement__request").get(pk=proposal.pk)
    agreement = proposal.agreement
    sides = agreement_sides_of(agreement=agreement, viewer=by)
    if not sides:
        raise PermissionDenied(_("Only the people in this agreement can decide."))
    if by.pk == proposal.proposed_by_id or sides == {proposal.side}:
        raise PermissionDenied(_("The other side decides on this proposal."))
    if proposal.status != Proposal.Status.PENDING:
        raise Conflict(_("This proposal has already been answered."))
    now = timezone.now()
    occurrence = None
    if proposal.occurrence_id:
        occurrence = Occurrence.objects.select_for_update().get(pk=proposal.occurrence_id)
    if status == Proposal.Status.ACCEPTED:
        if occurrence is not None and (
            occurrence.status != Occurrence.Status.SCHEDULED or occurrence.sequence != proposal.occurrence_sequence
        ):
            _finish(proposal=proposal, by=by, status=Proposal.Status.SUPERSEDED, now=now)
            return proposal, _("This date was changed after the proposal was made. Make a new proposal.")
        if proposal.starts_at is not None and proposal.starts_at <= now:
            raise Conflict(_("The proposed time has already passed."))
        _apply(proposal=proposal, occurrence=occurrence, now=now)
    _finish(proposal=proposal, by=by, status=status, now=now)
    return proposal, None


def _apply(*, proposal, occurrence, now):
    """Makes the accepted change. Call while holding the locks of the proposal and its occurrence."""
    if proposal.action == Proposal.Action.ADD:
        Occurrence.objects.create(
            agreement_id=proposal.agreement_id, starts_at=proposal.starts_at, ends_at=proposal.ends_at, updated_at=now
        )
        return
    if proposal.action == Proposal.Action.MOVE:
        occurrence.starts_at, occurrence.ends_at = proposal.starts_at, proposal.ends_at
        occurrence.reminder_sent_at = None  # a reminder about the old time says nothing about the new one
    else:
        occurrence.status = Occurrence.Status.SKIPPED
    occurrence.sequence += 1
    occurrence.updated_at = now
    occurrence.save(update_fields=["starts_at", "ends_at", "status", "sequence", "updated_at", "reminder_sent_at"])


_DECISION_TEXT = {
    Proposal.Status.ACCEPTED: lambda name: _("%(name)s accepted the proposal: %(change)s") % name,
    Proposal.Status.DECLINED: lambda name: _("%(name)s declined the proposal: %(change)s") % name,
    Proposal.Status.WITHDRAWN: lambda name: _("%(name)s withdrew the proposal: %(change)s") % name,
    Proposal.Status.SUPERSEDED: lambda name: _("This proposal is out of date: %(change)s") % name,
}


def _finish(*, proposal, by, status, now):
    """Records the decision, posts it in the thread (a system message that updates the proposal's card) and tells
    the proposer (unless they made it themselves)."""
    proposal.status = status
    proposal.decided_by = by
    proposal.decided_at = now
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    agreement = proposal.agreement
    proposer = proposal.proposed_by
    with translation.override(proposer.language if proposer else by.language):
        body = _DECISION_TEXT[status]({"name": by.display_name, "change": proposal_text(proposal)})
    message_send(
        thread_id=agreement.thread_id, author=None, body=body, kind=Message.Kind.SYSTEM,
        data={"proposal": proposal.pk, "status": status, "occurrence": proposal.occurrence_id},
    )
    if proposer is not None and proposer.pk != by.pk:
        notification_send(
            recipient=proposer,
            kind="proposal_decided",
            payload={"agreement": agreement.pk, "proposal": proposal.pk, "status": status,
                     "title": agreement.request.title, "thread": agreement.thread_id, "from": by.display_name},
        )


@transaction.atomic
def proposal_withdraw(*, proposal, by):
    """The proposer takes a pending proposal back. Raises PermissionDenied (someone else) or Conflict (answered)."""
    proposal = Proposal.objects.select_for_update().select_related("agreement__request").get(pk=proposal.pk)
    if proposal.proposed_by_id != by.pk:
        raise PermissionDenied(_("Only the person who made a proposal can take it back."))
    if proposal.status != Proposal.Status.PENDING:
        raise Conflict(_("This proposal has already been answered."))
    _finish(proposal=proposal, by=by, status=Proposal.Status.WITHDRAWN, now=timezone.now())
    return proposal


# --- calendar subscriptions ----------------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_rotate(*, agreement, neighbour):
    """A new private subscription token for ``neighbour`` (a party); the previous one, if any, stops working."""
    agreement = agreement_get_for_party(viewer=neighbour, pk=agreement.pk)
    feed, _created = CalendarFeed.objects.update_or_create(
        neighbour=neighbour, agreement=agreement,
        defaults={"token": secrets.token_urlsafe(32), "created_at": timezone.now()},
    )
    return feed


@transaction.atomic
def calendar_feed_revoke(*, agreement, neighbour):
    """Stops ``neighbour``'s subscription link for ``agreement``; returns whether there was one."""
    deleted, _by_model = CalendarFeed.objects.filter(neighbour=neighbour, agreement=agreement).delete()
    return bool(deleted)


# --- reminders -----------------------------------------------------------------------------------------------------


def occurrence_reminders_send(*, now=None, base_url=""):
    """Reminds both sides (the requester and the helper) of each planned date starting within
    ``DUGNAD_REMINDER_LEAD_HOURS``: a notification, and an e-mail in each one's language after commit.

    Each date is claimed before anyone is told (an UPDATE that only succeeds while no reminder was sent), so two
    timers running at once never remind twice. A moved date is reminded again. Returns how many dates were reminded.
    """
    now = now or timezone.now()
    until = now + timedelta(hours=settings.DUGNAD_REMINDER_LEAD_HOURS)
    due = Occurrence.objects.filter(
        status=Occurrence.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=until, reminder_sent_at__isnull=True
    ).select_related("agreement__request", "agreement__requester", "agreement__helper")
    reminded = 0
    for occurrence in due:
        with transaction.atomic():
            claimed = Occurrence.objects.filter(
                pk=occurrence.pk, reminder_sent_at__isnull=True, status=Occurrence.Status.SCHEDULED,
                starts_at=occurrence.starts_at,
            ).update(reminder_sent_at=now)
            if not claimed:
                continue
            agreement = occurrence.agreement
            for recipient in {agreement.requester, agreement.helper}:
                if not recipient.is_active:
                    continue
                notification_send(
                    recipient=recipient,
                    kind="occurrence_reminder",
                    payload={"agreement": agreement.pk, "occurrence": occurrence.pk,
                             "title": agreement.request.title, "starts_at": occurrence.starts_at.isoformat()},
                )
                transaction.on_commit(
                    lambda recipient=recipient, occurrence=occurrence: _send_reminder_email(
                        recipient, occurrence, base_url
                    )
                )
            reminded += 1
    return reminded


def _send_reminder_email(recipient, occurrence, base_url):
    agreement = occurrence.agreement
    with translation.override(recipient.language):
        context = {
            "neighbour": recipient, "title": agreement.request.title, "when": format_when(occurrence.starts_at),
            "url": base_url + reverse("frontend:agreement_detail", args=[agreement.pk]),
        }
        subject = " ".join(render_to_string("requests/email/reminder_subject.txt", context).split())
        body = render_to_string("requests/email/reminder_body.txt", context)
    send_mail(subject, body, None, [recipient.email])
