"""Reads about threads. Every read takes the reader and returns only what they take part in."""

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from chat.models import Message, Participant, Thread
from neighbours.models import Membership
from neighbours.selectors import block_relations, blocked_ids_either_way

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
    ``last_author_name`` and ``last_kind``.

    In a group thread, a newest message by someone ``neighbour`` has a block with shows no body and no name (as
    ``hidden_authors`` hides it on the thread's page). Unread counts still count such messages.
    """
    mine = Participant.objects.filter(thread=OuterRef("pk"), neighbour=neighbour)
    newest = Message.objects.filter(thread=OuterRef("pk")).order_by("-seq")
    # A message hidden by a moderator never shows its text, not even in the list of threads.
    last_body = Subquery(newest.annotate(shown=Case(
        When(hidden_at__isnull=True, then=F("body")), default=Value(_("Hidden by a moderator")),
        output_field=TextField(),
    )).values("shown")[:1])
    last_author_name = Subquery(newest.values("author__display_name")[:1])
    blocked = blocked_ids_either_way(neighbour)
    if blocked:
        newest_hidden = Q(is_group=True) & Exists(
            Message.objects.filter(thread=OuterRef("pk"), seq=OuterRef("last_seq"), author_id__in=blocked)
        )
        last_body = Case(When(newest_hidden, then=Value("")), default=last_body, output_field=TextField())
        last_author_name = Case(When(newest_hidden, then=Value("")), default=last_author_name,
                                output_field=CharField())
    return (
        Thread.objects.filter(participations__neighbour=neighbour)
        .annotate(
            last_read_seq=Subquery(mine.values("last_read_seq")[:1]),
            last_body=last_body,
            last_kind=Subquery(newest.values("kind")[:1]),
            last_author_name=last_author_name,
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


def hidden_authors(*, thread, neighbour):
    """``{author id: reason}``: whose messages ``neighbour`` sees hidden in ``thread``.

    Only group threads hide anything (in a two-party thread a block stops both from writing, and what was said
    before stays readable to both). Messages by someone ``neighbour`` blocked are hidden with reason
    ``"you_blocked"``; those by someone who blocked ``neighbour`` with reason None (nothing reveals the block).
    """
    if not thread.is_group:
        return {}
    return hidden_authors_from(*block_relations(neighbour))


def hidden_authors_from(i_blocked, blocked_me):
    """``hidden_authors`` from the two sets of ``neighbours.selectors.block_relations``."""
    hidden = dict.fromkeys(blocked_me)
    hidden.update(dict.fromkeys(i_blocked, "you_blocked"))
    return hidden


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
