"""chat/'s part of data protection (registered with ``neighbours.data`` in ``ChatConfig.ready``): the messages a
neighbour wrote and their notifications in the export; their name taken out of others' notifications on erasure;
silent threads and old read notifications deleted."""

from datetime import timedelta

from django.conf import settings
from django.db.models import PROTECT, Q
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _

from chat.models import Message, Notification, Participant, Thread
from neighbours.data import when


def export(neighbour):
    messages = Message.objects.filter(author=neighbour).order_by("sent_at", "pk")
    return {
        "threads": [
            {"thread": row.thread_id, "title": row.thread.title, "joined_at": when(row.joined_at),
             "last_read_seq": row.last_read_seq}
            for row in Participant.objects.filter(neighbour=neighbour).select_related("thread").order_by("pk")
        ],
        "messages": [
            {"thread": row.thread_id, "seq": row.seq, "kind": row.kind, "sent_at": when(row.sent_at),
             "body": row.body}
            for row in messages
        ],
        "notifications": [
            {"kind": row.kind, "payload": row.payload, "created_at": when(row.created_at),
             "read_at": when(row.read_at)}
            for row in Notification.objects.filter(recipient=neighbour).order_by("created_at", "pk")
        ],
    }


def notifications_forget_sender(*, neighbour, match):
    """In other people's notifications that ``match`` (a Q on Notification) and name ``neighbour`` as ``from``, puts
    "Deleted user" (in the recipient's language) in place of the name. Used while erasing ``neighbour``."""
    rows = (
        Notification.objects.filter(match, payload__from=neighbour.display_name)
        .exclude(recipient=neighbour).select_related("recipient")
    )
    for row in rows:
        with translation.override(row.recipient.language):
            row.payload = {**row.payload, "from": _("Deleted user")}
        row.save(update_fields=["payload"])


def erase(neighbour):
    """Their name out of notifications about threads they were in (asks for offers, proposals). Their messages stay
    (``Message.author`` becomes NULL with the account); their places in threads go by cascade."""
    threads = list(Participant.objects.filter(neighbour=neighbour).values_list("thread_id", flat=True))
    notifications_forget_sender(neighbour=neighbour, match=Q(payload__thread__in=threads))


def _threads_still_referenced(queryset):
    """Leaves out threads that a row of another app still points at with PROTECT (a live agreement, an ask, a
    session): those go when their owner does. Found through the model's relations, so chat/ imports none of them."""
    # include_hidden: the referring keys have related_name="+", which hides them from ``related_objects``.
    for relation in Thread._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete and getattr(relation, "on_delete", None) is PROTECT:
            referring = relation.related_model._default_manager.filter(**{f"{relation.field.name}__isnull": False})
            queryset = queryset.exclude(pk__in=referring.values(relation.field.attname))
    return queryset


def purge(*, now, dry_run):
    """Threads without a message for DUGNAD_RETENTION_THREAD_DAYS (with their messages), and notifications read
    more than DUGNAD_RETENTION_NOTIFICATION_DAYS ago."""
    thread_cutoff = now - timedelta(days=settings.DUGNAD_RETENTION_THREAD_DAYS)
    threads = _threads_still_referenced(
        Thread.objects.alias(last_activity=Coalesce("last_message_at", "created_at")).filter(
            last_activity__lt=thread_cutoff
        )
    )
    notifications = Notification.objects.filter(
        read_at__lt=now - timedelta(days=settings.DUGNAD_RETENTION_NOTIFICATION_DAYS)
    )
    counts = {"threads": threads.count(), "notifications": notifications.count()}
    if not dry_run:
        if counts["threads"]:
            threads.delete()
        if counts["notifications"]:
            notifications.delete()
    return counts
