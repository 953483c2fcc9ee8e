"""Reads about threads. Every read takes the reader and returns only what they take part in."""

from django.db.models import Case, Count, F, OuterRef, Subquery, TextField, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from chat.models import Message, Participant, Thread
from neighbours.models import Membership

# Members of a taking-part organisation with these roles act for it in its threads.
ACTING_ROLES = [Membership.Role.ADMIN, Membership.Role.COORDINATOR]


def thread_find_for_participant(*, neighbour, thread_id):
    """``(thread, is_participant)``: the thread if ``neighbour`` is a participant (True) or acts for a taking-part
    organisation without being one yet (False). Raises ``Thread.DoesNotExist`` otherwise."""
    try:
        thread_id = int(thread_id)
    except (TypeError, ValueError):
        raise Thread.DoesNotExist from None
    thread = Thread.objects.filter(pk=thread_id, participations__neighbour=neighbour).first()
    if thread is not None:
        return thread, True
    thread = Thread.objects.filter(
        pk=thread_id,
        organisations__memberships__neighbour=neighbour,
        organisations__memberships__role__in=ACTING_ROLES,
    ).distinct().first()
    if thread is None:
        raise Thread.DoesNotExist
    return thread, False


def thread_list_for(*, neighbour):
    """The threads ``neighbour`` takes part in, most recently active first, each annotated with ``unread`` (messages
    from others after their read position), ``last_read_seq``, and the newest message's ``last_body``,
    ``last_author_name`` and ``last_kind``."""
    mine = Participant.objects.filter(thread=OuterRef("pk"), neighbour=neighbour)
    newest = Message.objects.filter(thread=OuterRef("pk")).order_by("-seq")
    return (
        Thread.objects.filter(participations__neighbour=neighbour)
        .annotate(
            last_read_seq=Subquery(mine.values("last_read_seq")[:1]),
            # A message hidden by a moderator never shows its text, not even in the list of threads.
            last_body=Subquery(newest.annotate(shown=Case(
                When(hidden_at__isnull=True, then=F("body")), default=Value(_("Hidden by a moderator")),
                output_field=TextField(),
            )).values("shown")[:1]),
            last_kind=Subquery(newest.values("kind")[:1]),
            last_author_name=Subquery(newest.values("author__display_name")[:1]),
        )
        .annotate(
            unread=Coalesce(
                Subquery(
                    Message.objects.filter(thread=OuterRef("pk"), seq__gt=OuterRef("last_read_seq"))
                    .exclude(author=neighbour)
                    .values("thread")
                    .annotate(count=Count("*"))
                    .values("count")
                ),
                0,
            ),
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-created_at", "-pk")
    )


def thread_participants(*, thread):
    """The people in a thread with their read positions, for names and read marks."""
    return Participant.objects.filter(thread=thread).select_related("neighbour").order_by("joined_at", "pk")


def thread_read_positions(*, thread, up_to):
    """``{neighbour id (str): read seq}`` of the thread's participants, or ``{}`` for a thread of more than ``up_to``
    people (a group, where per-person read marks are not shown and would cost a row per member)."""
    rows = list(Participant.objects.filter(thread=thread).values_list("neighbour_id", "last_read_seq")[: up_to + 1])
    return {} if len(rows) > up_to else {str(neighbour_id): seq for neighbour_id, seq in rows}


def message_list(*, thread, after=None, before=None, limit=100):
    """Up to ``limit`` messages of ``thread`` in sequence order: those after ``after`` (the oldest first), or the
    newest ones before ``before`` (still returned oldest first), or the newest ones."""
    messages = Message.objects.filter(thread=thread).select_related("author")
    if after is not None:
        return list(messages.filter(seq__gt=after).order_by("seq")[:limit])
    if before is not None:
        messages = messages.filter(seq__lt=before)
    return list(reversed(messages.order_by("-seq")[:limit]))


def unread_total(*, neighbour):
    """How many messages from others wait unread across all of ``neighbour``'s threads (for the menu badge)."""
    return Message.objects.filter(
        thread__participations__neighbour=neighbour,
        seq__gt=F("thread__participations__last_read_seq"),
    ).exclude(author=neighbour).count()
