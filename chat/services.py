"""Every write about threads: opening them, messages, read positions, typing hints and notifications.

The WebSocket consumer and the HTTP API call the same functions, so both enforce the same rules.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Subquery
from django.db.models.functions import Greatest, Least
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chat import events
from chat.models import Message, Notification, Participant, Thread
from chat.selectors import ACTING_ROLES, thread_find_for_participant
from neighbours.models import Block, NotifyFrequency

# Participants of larger threads (a session's group) are not pinged per message; their unread counts still grow.
_NOTIFY_PARTICIPANTS_UP_TO = 50


@transaction.atomic
def thread_open(*, subject, participants, organisations=(), title="", is_group=False):
    """The thread about ``subject``, created on first use, with every neighbour in ``participants`` in it, and every
    organisation in ``organisations`` (whose admins and coordinators join as participants). ``is_group`` marks a
    group thread (a session's), where a block between two members does not stop either from writing.

    Opening it again adds whoever is missing and returns the same thread (one thread per subject).
    """
    subject_type = ContentType.objects.get_for_model(subject)
    thread, _created = Thread.objects.get_or_create(
        subject_type=subject_type, subject_id=subject.pk, defaults={"title": title[:200], "is_group": is_group}
    )
    people = {neighbour.pk: neighbour for neighbour in participants}
    for organisation in organisations:
        if organisation is None:
            continue
        thread.organisations.add(organisation)
        people.update(
            (membership.neighbour_id, membership.neighbour)
            for membership in organisation.memberships.filter(role__in=ACTING_ROLES).select_related("neighbour")
        )
    for neighbour in people.values():
        Participant.objects.get_or_create(thread=thread, neighbour=neighbour)
    return thread


def thread_enter(*, neighbour, thread_id):
    """The thread ``thread_id`` for ``neighbour``, who must take part in it (themselves or as an admin or coordinator
    of a taking-part organisation, who joins as a participant here). Raises ``Thread.DoesNotExist`` otherwise."""
    thread, is_participant = thread_find_for_participant(neighbour=neighbour, thread_id=thread_id)
    if not is_participant:
        participant_ensure(thread=thread, neighbour=neighbour)
    return thread


def participant_ensure(*, thread, neighbour):
    """Makes ``neighbour`` (who may see ``thread``: check first) a participant; returns whether they just joined.
    An organisation's coordinator added after the thread opened joins this way when they first open it."""
    _participant, created = Participant.objects.get_or_create(thread=thread, neighbour=neighbour)
    return created


def message_rate_error(retry_after):
    """What a neighbour sending too fast is told."""
    return ngettext(
        "You are sending messages too fast. Try again in %(seconds)d second.",
        "You are sending messages too fast. Try again in %(seconds)d seconds.",
        retry_after,
    ) % {"seconds": retry_after}


def check_message_body(body):
    """Raises ValidationError unless ``body`` is a message worth storing (not blank, within the size limit)."""
    limit = settings.DUGNAD_MESSAGE_MAX_CHARS
    if not isinstance(body, str) or not body.strip():
        raise ValidationError({"body": ValidationError(_("Write a message first."), code="blank")})
    if len(body) > limit:
        raise ValidationError({"body": ValidationError(
            _("A message can be at most %(limit)d characters long.") % {"limit": limit}, code="too_large"
        )})


# Takes the next sequence number of a thread, holding its row lock until commit, and only if the author takes part
# in it and (outside group threads) no block stands between the author and another participant; also returns the
# thread's title and (up to a limit) its participants for the notifications. One statement does all of it, because
# it runs for every message.
_NEXT_SEQ_RETURNING = """
RETURNING last_seq, title,
  (SELECT array_agg(neighbour_id) FROM (
     SELECT neighbour_id FROM {participant} WHERE thread_id = %(thread_id)s LIMIT %(notify_limit)s) AS p)
"""
_NEXT_SEQ_SQL = """
UPDATE {thread} SET last_seq = last_seq + 1, last_message_at = %(now)s
WHERE id = %(thread_id)s
  AND EXISTS (SELECT 1 FROM {participant} WHERE thread_id = %(thread_id)s AND neighbour_id = %(author_id)s)
  AND (is_group OR NOT EXISTS (
    SELECT 1 FROM {block} b
    JOIN {participant} p ON p.thread_id = %(thread_id)s
     AND p.neighbour_id = CASE WHEN b.blocker_id = %(author_id)s THEN b.blocked_id ELSE b.blocker_id END
    WHERE b.blocker_id = %(author_id)s OR b.blocked_id = %(author_id)s
  ))"""
# System messages (no author): no participation or block to check.
_NEXT_SEQ_SYSTEM_SQL = """
UPDATE {thread} SET last_seq = last_seq + 1, last_message_at = %(now)s WHERE id = %(thread_id)s"""


def _next_seq(*, thread_id, author, now):
    tables = {
        "thread": Thread._meta.db_table,
        "participant": Participant._meta.db_table,
        "block": Block._meta.db_table,
    }
    update = _NEXT_SEQ_SQL if author is not None else _NEXT_SEQ_SYSTEM_SQL
    sql = (update + _NEXT_SEQ_RETURNING).format(**tables)
    params = {"now": now, "thread_id": thread_id, "author_id": author.pk if author else None,
              "notify_limit": _NOTIFY_PARTICIPANTS_UP_TO + 2}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is not None:
            return row
        if author is None:
            raise Thread.DoesNotExist
        # Refused: find out why, without telling a stranger that the thread exists.
        thread, is_participant = thread_find_for_participant(neighbour=author, thread_id=thread_id)  # or raises
        if not is_participant:  # an organisation's coordinator writing first: joins, then takes the number
            participant_ensure(thread=thread, neighbour=author)
            cursor.execute(sql, params)
            row = cursor.fetchone()
            if row is not None:
                return row
    raise PermissionDenied(_("You cannot write in this conversation: one of you has blocked the other."))


def message_send(*, thread_id, author, body, client_id=None, kind=Message.Kind.TEXT, data=None):
    """Stores a message and, after commit, broadcasts it. Returns ``(message, created)``.

    ``author`` is None for system messages. A ``client_id`` the author already used in this thread returns the
    stored message with ``created=False`` and stores nothing (a client re-sending after a reconnect). Raises
    ``Thread.DoesNotExist`` (no such thread, or the author is not in it), ``PermissionDenied`` (a block) or
    ``ValidationError`` (the body), or ``PermissionDenied`` for an author a moderator has suspended.
    """
    check_message_body(body)
    if author is not None and author.is_suspended():
        raise PermissionDenied(_("A moderator has suspended your account. You cannot write for now."))
    now = timezone.now()
    try:
        with transaction.atomic():
            seq, title, participant_ids = _next_seq(thread_id=thread_id, author=author, now=now)
            message = Message.objects.create(
                thread_id=thread_id, seq=seq, author=author, kind=kind, body=body, data=data or {},
                client_id=client_id, sent_at=now,
            )
            payload = events.message_payload(message)
            notify_ids = _others_to_notify(participant_ids or [], author=author)
            transaction.on_commit(
                lambda: events.broadcast_message(payload=payload, notify_ids=notify_ids, title=title)
            )
    except IntegrityError:
        # The only unique constraint a send can hit while holding the thread's lock is the client_id one: the
        # message was stored by an earlier attempt. The transaction rolled back, so no sequence number was used.
        if client_id is None:
            raise
        existing = Message.objects.filter(thread_id=thread_id, author=author, client_id=client_id).first()
        if existing is None:
            raise
        return existing, False
    return message, True


def _others_to_notify(participant_ids, *, author):
    """The participants to ping about a new message: everyone but its author, unless the thread is a big group."""
    others = [pk for pk in participant_ids if author is None or pk != author.pk]
    return [] if len(others) > _NOTIFY_PARTICIPANTS_UP_TO else others


def thread_mark_read(*, thread_id, neighbour, seq):
    """Moves ``neighbour``'s read position forward to ``seq`` (never back, never past the newest message) and tells
    the thread's subscribers. Returns the new position. Raises ``Thread.DoesNotExist`` for a stranger."""
    newest = Subquery(Thread.objects.filter(pk=thread_id).values("last_seq"))
    forward = Greatest(F("last_read_seq"), Least(seq, newest))
    with transaction.atomic():
        mine = Participant.objects.filter(thread_id=thread_id, neighbour=neighbour)
        if not mine.update(last_read_seq=forward):
            thread_enter(neighbour=neighbour, thread_id=thread_id)  # joins an organisation's coordinator, or raises
            mine.update(last_read_seq=forward)
        position = mine.values_list("last_read_seq", flat=True).get()
        transaction.on_commit(
            lambda: events.broadcast_read(thread_id=thread_id, neighbour_id=neighbour.pk, seq=position)
        )
    return position


def typing_announce(*, thread_id, neighbour, sender_channel=None):
    """Tells the other people in a thread that ``neighbour`` is typing. Raises ``Thread.DoesNotExist`` for a
    stranger."""
    if not Participant.objects.filter(thread_id=thread_id, neighbour=neighbour).exists():
        thread_enter(neighbour=neighbour, thread_id=thread_id)
    events.broadcast_typing(thread_id=thread_id, neighbour=neighbour, sender_channel=sender_channel)


def notification_send(*, recipient, kind, payload):
    """Stores a notification for ``recipient`` and, once the surrounding transaction commits, pushes it live.

    The pushed frame is ``{"type": "notification", "id", "kind", "created_at", **payload}``; a neighbour who is not
    connected finds it stored.
    """
    notification = Notification.objects.create(recipient=recipient, kind=kind, payload=payload)
    frame = {"id": notification.pk, "kind": kind, "created_at": notification.created_at.isoformat(), **payload}
    transaction.on_commit(lambda: events.notify_neighbour(neighbour_id=recipient.pk, payload=frame))
    return notification


def notifications_mark_read(*, recipient):
    """Marks all of ``recipient``'s notifications as read."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(read_at=timezone.now())


def unread_emails_send(*, base_url, older_than):
    """E-mails each participant who has had unread messages for longer than ``older_than`` (a timedelta), once per
    batch of messages: the next e-mail comes only when newer messages have waited as long. Returns how many were
    sent. Run from a timer (``manage.py send_unread_emails``)."""
    cutoff = timezone.now() - older_than
    waiting = (
        Participant.objects.filter(
            Q(thread__last_seq__gt=F("last_read_seq")) & Q(thread__last_seq__gt=F("emailed_seq")),
            neighbour__is_active=True,
        )
        .exclude(neighbour__notify_frequency=NotifyFrequency.NEVER)
        .select_related("neighbour", "thread")
        .order_by("neighbour_id", "thread_id")
    )
    by_neighbour = {}
    for participant in waiting:
        unread = (
            Message.objects.filter(
                thread_id=participant.thread_id,
                seq__gt=max(participant.last_read_seq, participant.emailed_seq),
                sent_at__lte=cutoff,
            )
            .exclude(author=participant.neighbour)
            .aggregate(count=Count("pk"), newest=Max("seq"))
        )
        if not unread["count"]:
            continue
        by_neighbour.setdefault(participant.neighbour, []).append((participant, unread["count"], unread["newest"]))
    sent = 0
    for neighbour, threads in by_neighbour.items():
        with translation.override(neighbour.language):
            context = {
                "neighbour": neighbour,
                "threads": [
                    {"title": p.thread.title or _("Conversation"), "count": count,
                     "url": base_url + reverse("frontend:thread_detail", args=[p.thread_id])}
                    for p, count, _newest in threads
                ],
            }
            send_mail(
                subject=render_to_string("chat/unread_subject.txt", context).strip(),
                message=render_to_string("chat/unread_email.txt", context),
                from_email=None,
                recipient_list=[neighbour.email],
            )
        for participant, _count, newest in threads:
            Participant.objects.filter(pk=participant.pk, emailed_seq__lt=newest).update(emailed_seq=newest)
        sent += 1
    return sent



def participant_remove(*, thread, neighbour):
    """Takes ``neighbour`` out of ``thread`` (someone leaving a session's group). Returns whether they were in it.

    Their messages stay. An admin or coordinator of a taking-part organisation may still open the thread later,
    which joins them again: call this only for people who are in the thread in their own name."""
    deleted, _rows = Participant.objects.filter(thread=thread, neighbour=neighbour).delete()
    return bool(deleted)
