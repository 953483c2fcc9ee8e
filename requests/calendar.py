"""A small RFC 5545 (iCalendar) writer for an agreement's dates.

Each occurrence is one VEVENT whose UID derives from the occurrence's id only (never from the host or the time), so a
calendar app that subscribed once replaces the event when the date is moved (higher SEQUENCE) and drops it when it is
skipped (STATUS:CANCELLED).
"""

from datetime import UTC

from django.urls import reverse
from django.utils import timezone

from requests.models import Occurrence

CRLF = "\r\n"
# Lines are folded at 75 octets (RFC 5545 §3.1); a continuation line starts with one space, which counts.
MAX_LINE_OCTETS = 75
UID_DOMAIN = "dugnad"
PRODID = "-//Dugnad//Agreements//EN"


def escape_text(value):
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    )


def fold(line):
    """Splits a content line into lines of at most 75 octets, never inside a UTF-8 character."""
    out = []
    current, size, limit = [], 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, MAX_LINE_OCTETS
        current.append(char)
        size += width
    out.append("".join(current))
    return CRLF.join(out)


def utc(value):
    """A DATE-TIME in UTC form, e.g. ``20260612T160000Z``."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def occurrence_uid(occurrence):
    return f"occurrence-{occurrence.pk}@{UID_DOMAIN}"


def agreement_calendar(*, agreement, occurrences, url, name, description="", now=None):
    """The whole VCALENDAR as a string with CRLF line ends. ``url`` links to the agreement page; ``name`` is the
    calendar's and each event's title."""
    now = now or timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for occurrence in occurrences:
        cancelled = occurrence.status == Occurrence.Status.SKIPPED
        lines += [
            "BEGIN:VEVENT",
            f"UID:{occurrence_uid(occurrence)}",
            f"SEQUENCE:{occurrence.sequence}",
            f"DTSTAMP:{utc(now)}",
            f"DTSTART:{utc(occurrence.starts_at)}",
        ]
        if occurrence.ends_at:
            lines.append(f"DTEND:{utc(occurrence.ends_at)}")
        lines += [
            f"SUMMARY:{escape_text(name)}",
            f"DESCRIPTION:{escape_text(description)}" if description else None,
            f"URL:{url}",
            f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
            f"LAST-MODIFIED:{utc(occurrence.updated_at)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines if line is not None)


def agreement_ics(*, agreement, base_url):
    """The calendar of one agreement (every date, skipped ones as cancelled), with links under ``base_url``."""
    title = agreement.request.title
    parties = f"{agreement.requester.display_name} + {agreement.helper.display_name}"
    return agreement_calendar(
        agreement=agreement, occurrences=agreement.occurrences.order_by("starts_at", "pk"),
        url=base_url + reverse("frontend:agreement_detail", args=[agreement.pk]), name=title,
        description=f"{parties}\n{agreement.request.description}".strip(),
    )
