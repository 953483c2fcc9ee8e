"""Writes about threads. Messages and live delivery come with the chat itself (see docs/api.md)."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from chat.events import notify_neighbour
from chat.models import Notification, Participant, Thread


@transaction.atomic
def thread_open(*, subject, participants):
    """The thread about ``subject``, created on first use, with every neighbour in ``participants`` in it.

    Opening it again adds whoever is missing and returns the same thread (one thread per subject).
    """
    subject_type = ContentType.objects.get_for_model(subject)
    thread, _created = Thread.objects.get_or_create(subject_type=subject_type, subject_id=subject.pk)
    for neighbour in participants:
        Participant.objects.get_or_create(thread=thread, neighbour=neighbour)
    return thread


def notification_send(*, recipient, kind, payload):
    """Stores a notification for ``recipient`` and, once the surrounding transaction commits, pushes it live.

    The pushed frame is ``{"type": "notification", "id", "kind", "created_at", **payload}``; a neighbour who is not
    connected finds it stored.
    """
    notification = Notification.objects.create(recipient=recipient, kind=kind, payload=payload)
    frame = {"id": notification.pk, "kind": kind, "created_at": notification.created_at.isoformat(), **payload}
    transaction.on_commit(lambda: notify_neighbour(neighbour_id=recipient.pk, payload=frame))
    return notification
