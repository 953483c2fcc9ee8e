"""When help is needed: a window (needed_from/needed_until) or an RFC 5545 recurrence rule starting at needed_from."""

from datetime import timedelta

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# More than this many dated instances is not a neighbourly arrangement but a mistake in the rule.
MAX_OCCURRENCES = 200
_ALLOWED_FREQUENCIES = {DAILY, WEEKLY, MONTHLY, YEARLY}


def parse_recurrence(rule, *, dtstart):
    """The dateutil rrule for an RRULE string such as ``FREQ=WEEKLY;BYDAY=SA;COUNT=8`` starting at ``dtstart``.

    Raises ValidationError on ``recurrence`` for anything that is not one daily/weekly/monthly/yearly rule.
    The rule runs in the configured time zone, so "every Friday at 10:00" stays at 10:00 across daylight saving time.
    """
    if dtstart is not None and timezone.is_aware(dtstart):
        dtstart = timezone.localtime(dtstart)
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text or ":" in text:
        raise ValidationError({"recurrence": [_("Give one repeat rule, such as FREQ=WEEKLY;BYDAY=SA;COUNT=8.")]})
    try:
        parsed = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValidationError(
            {"recurrence": [_("This repeat rule is not valid: %(reason)s") % {"reason": exc}]}
        ) from None
    if parsed._freq not in _ALLOWED_FREQUENCIES:
        raise ValidationError({"recurrence": [_("Help can repeat daily, weekly, monthly or yearly.")]})
    return parsed


def check_when(*, needed_from, needed_until, recurrence):
    """Validates a request's timing; raises ValidationError by field."""
    if needed_from and needed_until and needed_until < needed_from:
        raise ValidationError({"needed_until": [_("The end must be after the start.")]})
    if recurrence:
        if needed_from is None:
            raise ValidationError({"needed_from": [_("A repeating request needs the date and time it starts.")]})
        if not occurrence_times(needed_from=needed_from, needed_until=needed_until, recurrence=recurrence):
            raise ValidationError({"recurrence": [_("This repeat rule gives no dates.")]})


def occurrence_times(*, needed_from, needed_until, recurrence, horizon_end=None):
    """The (start, end) pairs of a schedule, up to ``horizon_end`` (default: the configured horizon from now).

    A window gives at most one pair (none without a start); a rule gives its dates, each as long as the first one.
    """
    if not recurrence:
        return [(needed_from, needed_until)] if needed_from else []
    horizon_end = horizon_end or timezone.now() + timedelta(days=settings.DUGNAD_OCCURRENCE_HORIZON_DAYS)
    length = needed_until - needed_from if needed_until else None
    times = []
    for start in parse_recurrence(recurrence, dtstart=needed_from):
        if start > horizon_end or len(times) >= MAX_OCCURRENCES:
            break
        times.append((start, start + length if length is not None else None))
    return times


def expiry_for(*, needed_from, needed_until, recurrence, created_at):
    """When an unanswered request stops being shown: its end, else a day after its start, else after the TTL.

    A repeating request that has found nobody expires after the TTL or at its last date, whichever is first.
    """
    ttl_end = created_at + timedelta(days=settings.DUGNAD_REQUEST_TTL_DAYS)
    if recurrence:
        times = occurrence_times(needed_from=needed_from, needed_until=needed_until, recurrence=recurrence)
        last = (times[-1][1] or times[-1][0]) if times else ttl_end
        return min(ttl_end, last)
    if needed_until:
        return needed_until
    if needed_from:
        return needed_from + timedelta(days=1)
    return ttl_end
