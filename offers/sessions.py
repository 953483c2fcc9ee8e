"""Every write about group sessions: sessions, sign-ups and waiting lists, assisted participation, reminders.

Seats are counted and handed out only while the session's row is locked (``SELECT … FOR UPDATE``), so concurrent
sign-ups and cancellations of one session run one after the other and a session is never over-booked. The partial
unique constraint ``signup_one_active_per_neighbour`` makes "one active place per person" a database fact as well.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chat.services import message_send, notification_send, participant_ensure, participant_remove, thread_open
from neighbours.models import Organisation
from neighbours.selectors import (
    block_exists_between,
    check_may_manage_post,
    check_may_post,
    follower_list,
    membership_may_act,
)
from offers.models import AssistedAction, HelpOffer, Session, SignUp
from requests.services import Conflict

# Organisations whose coordinators may sign up people without a device. These are the bodies that run courses and
# meeting places for people who need a hand with digital tools; clubs, contractors and housing co-operatives do not.
ASSISTING_KINDS = frozenset({
    Organisation.Kind.SENIORS_ASSOCIATION,
    Organisation.Kind.VOLUNTEER_CENTRE,
    Organisation.Kind.LIBRARY,
})

_PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")


# -- permissions ----------------------------------------------------------------------------------------------------

def is_organiser(*, session, neighbour):
    """Whether ``neighbour`` organises ``session``: the offer's author, or an admin or coordinator of its
    organisation."""
    return is_organiser_of_offer(offer=session.offer, neighbour=neighbour)


def is_organiser_of_offer(*, offer, neighbour):
    """Whether ``neighbour`` may add sessions to ``offer``."""
    return offer.author_id == neighbour.pk or bool(
        offer.organisation_id and membership_may_act(neighbour=neighbour, organisation=offer.organisation)
    )


def check_organiser(*, session, neighbour):
    if not is_organiser(session=session, neighbour=neighbour):
        raise PermissionDenied(_("Only the organisers of this session may do this."))


def _lock(session):
    """The session again, with its row locked until the transaction ends. Call inside ``transaction.atomic``."""
    locked = Session.objects.select_for_update(of=("self",)).select_related("offer", "offer__organisation")
    return locked.get(pk=session.pk)


def _check_times(*, starts_at, ends_at, now):
    errors = {}
    if starts_at <= now:
        errors["starts_at"] = [_("The session must start in the future.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The session must end after it starts.")]
    if errors:
        raise ValidationError(errors)


def _check_capacity(capacity):
    if capacity is None or capacity < 1:
        raise ValidationError({"capacity": [_("A session needs at least one seat.")]})


def _check_open_for_signups(session, now):
    """Raises Conflict unless places can be taken: the session is scheduled, still ahead, and its offer active."""
    if session.status == Session.Status.CANCELLED:
        raise Conflict(_("This session is cancelled."))
    if session.starts_at <= now:
        raise Conflict(_("This session has already started or is over."))
    if session.offer.status != HelpOffer.Status.ACTIVE:
        raise Conflict(_("This offer is not available at the moment."))


# -- telling people ---------------------------------------------------------------------------------------------------

def _when(session):
    return date_format(timezone.localtime(session.starts_at), "DATETIME_FORMAT")


def _tell(*, recipient, kind, session, signup=None, email=True, **extra):
    """A notification for ``recipient`` and, after commit, an e-mail in their language (``offers/email/<kind>_*``).

    For an assisted sign-up the recipient is the coordinator who made it, and ``guest`` names the person to phone.
    """
    payload = {
        "session": session.pk, "offer": session.offer_id, "title": session.offer.title,
        "starts_at": session.starts_at.isoformat(), "place": session.place, **extra,
    }
    if signup is not None:
        payload["signup"] = signup.pk
        if signup.is_assisted:
            payload["guest"] = {"name": signup.name, "phone": signup.phone}
    notification_send(recipient=recipient, kind=kind, payload=payload)
    if email and recipient.email and recipient.is_active:
        context = {"recipient": recipient, "session": session, "signup": signup, "payload": payload}
        transaction.on_commit(lambda: _send_email(recipient=recipient, kind=kind, context=context))


def _send_email(*, recipient, kind, context):
    with translation.override(recipient.language):
        context = {**context, "when": _when(context["session"])}
        subject = " ".join(render_to_string(f"offers/email/{kind}_subject.txt", context).split())
        body = render_to_string(f"offers/email/{kind}_body.txt", context)
    send_mail(subject, body, None, [recipient.email])


def _who_hears(signup):
    """Who is told about a sign-up: the person, or for an assisted one the coordinator who made it."""
    return signup.neighbour if signup.neighbour_id else signup.signed_up_by


def _log(*, signup, actor, action, detail=""):
    """Logs what a coordinator did for an assisted person (only for sign-ups made on an organisation's behalf)."""
    if signup.organisation_id:
        AssistedAction.objects.create(
            organisation_id=signup.organisation_id, actor=actor, signup=signup, action=action, detail=detail
        )


# -- the group thread -------------------------------------------------------------------------------------------------

def _belongs_in_thread(*, session, neighbour):
    """Organisers, people with a seat, and coordinators with a seated person they assist are in the group thread."""
    if is_organiser(session=session, neighbour=neighbour):
        return True
    return SignUp.objects.filter(session=session, status=SignUp.Status.CONFIRMED).filter(
        Q(neighbour=neighbour) | Q(neighbour__isnull=True, signed_up_by=neighbour)
    ).exists()


def _thread_sync(*, session, neighbour):
    """Adds ``neighbour`` to the session's thread or removes them, as ``_belongs_in_thread`` says."""
    if neighbour is None or session.thread_id is None:
        return
    if _belongs_in_thread(session=session, neighbour=neighbour):
        participant_ensure(thread=session.thread, neighbour=neighbour)
    else:
        participant_remove(thread=session.thread, neighbour=neighbour)


# -- sessions ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def session_create(*, offer, by, starts_at, ends_at, capacity, place=""):
    """A session of ``offer``, by its author or an admin or coordinator of its organisation, with its group thread.

    Followers of the offer's organisation are told. Raises PermissionDenied, ValidationError (times in the past or
    out of order, no seats) or Conflict (the offer is paused or closed).
    """
    offer = HelpOffer.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=offer.pk)
    check_may_manage_post(post=offer, neighbour=by, message=_("Only the organisers of this offer may add sessions."))
    if offer.status != HelpOffer.Status.ACTIVE:
        raise Conflict(_("This offer is not active, so it cannot have new sessions."))
    _check_times(starts_at=starts_at, ends_at=ends_at, now=timezone.now())
    _check_capacity(capacity)
    session = Session(
        offer=offer, place=(place or "").strip(), starts_at=starts_at, ends_at=ends_at, capacity=capacity,
        created_by=by,
    )
    session.full_clean(exclude=["thread"])
    session.save()
    title = f"{offer.title} – {timezone.localtime(starts_at):%d.%m.%Y %H:%M}"
    session.thread = thread_open(
        subject=session, participants={offer.author, by}, organisations=[offer.organisation], title=title,
        is_group=True,
    )
    session.save(update_fields=["thread"])
    if offer.organisation_id:
        for follower in follower_list(offer.organisation).exclude(pk=by.pk):
            _tell(recipient=follower, kind="session_new", session=session, email=False,
                  organisation=offer.organisation.name)
    return session


@transaction.atomic
def session_update(*, session, by, **changes):
    """Changes the time, place or seats of a session (organisers only).

    Lowering the seats below the number of people who already have one is refused (Conflict): nobody loses a seat
    they were given because of an edit; the organiser cancels places first if they must. Raising them gives seats to
    the first people on the waiting list. Everyone signed up hears of a new time or place (``session_changed``), and
    a new start time is reminded of again. Raises PermissionDenied, ValidationError or Conflict.
    """
    allowed = {"starts_at", "ends_at", "capacity", "place"}
    if set(changes) - allowed:
        raise TypeError(f"not editable: {sorted(set(changes) - allowed)}")
    session = _lock(session)
    check_organiser(session=session, neighbour=by)
    if session.status == Session.Status.CANCELLED:
        raise Conflict(_("This session is cancelled."))
    now = timezone.now()
    if "starts_at" in changes or "ends_at" in changes:
        starts_at = changes.get("starts_at", session.starts_at)
        ends_at = changes.get("ends_at", session.ends_at)
        if "starts_at" in changes:
            _check_times(starts_at=starts_at, ends_at=ends_at, now=now)
        elif ends_at <= starts_at:
            raise ValidationError({"ends_at": [_("The session must end after it starts.")]})
    if "capacity" in changes:
        _check_capacity(changes["capacity"])
        confirmed = session.signups.filter(status=SignUp.Status.CONFIRMED).count()
        if changes["capacity"] < confirmed:
            raise Conflict(
                _("%(count)d people already have a seat, so there must be at least %(count)d seats. "
                  "Cancel some places first if you need fewer.") % {"count": confirmed}
            )
    before = (session.starts_at, session.ends_at, session.place)
    for field, value in changes.items():
        setattr(session, field, value.strip() if field == "place" else value)
    session.full_clean(exclude=["thread"])
    session.save()
    if session.starts_at != before[0]:
        # A reminder sent for the old time says nothing about the new one.
        session.signups.update(reminder_sent_at=None)
    if (session.starts_at, session.ends_at, session.place) != before:
        for signup in session.signups.active().select_related("neighbour", "signed_up_by"):
            recipient = _who_hears(signup)
            if recipient is not None and recipient.pk != by.pk:
                _tell(recipient=recipient, kind="session_changed", session=session, signup=signup, email=False)
    if session.starts_at > now:
        _promote(session)
    return session


@transaction.atomic
def session_cancel(*, session, by):
    """Cancels a session (organisers only) and tells everyone who had a seat or was waiting. Cancelling twice
    changes nothing."""
    session = _lock(session)
    check_organiser(session=session, neighbour=by)
    if session.status == Session.Status.CANCELLED:
        return session
    session.status = Session.Status.CANCELLED
    session.save(update_fields=["status", "updated_at"])
    for signup in session.signups.active().select_related("neighbour", "signed_up_by"):
        recipient = _who_hears(signup)
        if recipient is not None and recipient.pk != by.pk:
            _tell(recipient=recipient, kind="session_cancelled", session=session, signup=signup)
    return session


def _promote(session):
    """Gives free seats to the first people on the waiting list, in order, and tells them after commit.

    Call while holding the session's row lock."""
    confirmed = session.signups.filter(status=SignUp.Status.CONFIRMED).count()
    free = session.capacity - confirmed
    if free <= 0:
        return []
    waiting = list(
        session.signups.filter(status=SignUp.Status.WAITLISTED)
        .select_related("neighbour", "signed_up_by")
        .order_by("queued_at", "pk")[:free]
    )
    now = timezone.now()
    for signup in waiting:
        signup.status = SignUp.Status.CONFIRMED
        signup.confirmed_at = now
        signup.save(update_fields=["status", "confirmed_at"])
        _thread_sync(session=session, neighbour=signup.neighbour or signup.signed_up_by)
        recipient = _who_hears(signup)
        if recipient is not None:
            _tell(recipient=recipient, kind="session_promoted", session=session, signup=signup)
    return waiting


# -- sign-ups ---------------------------------------------------------------------------------------------------------

def signup_position(signup):
    """The seat number of a confirmed sign-up (1..capacity) or its place in the queue (1..n)."""
    same = SignUp.objects.filter(session_id=signup.session_id, status=signup.status)
    if signup.status == SignUp.Status.CONFIRMED:
        key, value = "confirmed_at", signup.confirmed_at
    else:
        key, value = "queued_at", signup.queued_at
    ahead = same.filter(Q(**{f"{key}__lt": value}) | Q(**{key: value, "pk__lt": signup.pk})).count()
    return ahead + 1


def _with_position(signup):
    signup.position = signup_position(signup) if signup.status != SignUp.Status.CANCELLED else None
    return signup


def _seat_or_queue(session, signup, now):
    """Confirmed while seats remain, else waitlisted. Call while holding the session's row lock."""
    confirmed = session.signups.filter(status=SignUp.Status.CONFIRMED).count()
    if confirmed < session.capacity:
        signup.status = SignUp.Status.CONFIRMED
        signup.confirmed_at = now
    else:
        signup.status = SignUp.Status.WAITLISTED


@transaction.atomic
def signup_create(*, session, neighbour):
    """Signs ``neighbour`` up for ``session``: a seat while seats remain, else a place on the waiting list.

    Returns ``(signup, created)``; the sign-up carries its ``position`` (seat number, or place in the queue). Signing
    up again returns the existing active sign-up with ``created=False`` and never takes a second seat. Raises
    Conflict when the session is cancelled, has started or is over, and PermissionDenied for an account whose
    e-mail address is not confirmed yet (where that is required), so that throwaway accounts cannot take seats.
    PermissionDenied too when the organiser (the offer's author) and ``neighbour`` have blocked each other, either
    way, with a message that does not say who blocked whom; a place taken before the block stays.
    """
    check_may_post(author=neighbour)
    session = _lock(session)
    existing = session.signups.active().filter(neighbour=neighbour).first()
    if existing is not None:
        return _with_position(existing), False
    organiser_id = HelpOffer.objects.filter(pk=session.offer_id).values_list("author_id", flat=True).first()
    if organiser_id is not None and block_exists_between(organiser_id, neighbour):
        raise PermissionDenied(_("You cannot sign up for this session."))
    now = timezone.now()
    _check_open_for_signups(session, now)
    signup = SignUp(session=session, neighbour=neighbour, signed_up_by=neighbour, queued_at=now, created_at=now)
    _seat_or_queue(session, signup, now)
    try:
        with transaction.atomic():
            signup.save()
    except IntegrityError:  # only reachable without the lock; the constraint still keeps one place per person
        return _with_position(session.signups.active().get(neighbour=neighbour)), False
    if signup.status == SignUp.Status.CONFIRMED:
        _thread_sync(session=session, neighbour=neighbour)
    return _with_position(signup), True


def check_may_assist(*, by, organisation):
    """Raises PermissionDenied unless ``by`` is an admin or coordinator of an organisation that may assist people."""
    if organisation is None or not membership_may_act(neighbour=by, organisation=organisation):
        raise PermissionDenied(_("Only the organisation's administrators and coordinators may act for it."))
    if organisation.kind not in ASSISTING_KINDS:
        raise PermissionDenied(
            _("Only seniors' associations, volunteer centres and libraries can sign up people on their behalf.")
        )


@transaction.atomic
def signup_create_assisted(*, session, by, organisation, name, phone):
    """A coordinator of ``organisation`` signs up a person without a device, by name and phone.

    Returns ``(signup, created)`` like ``signup_create``; the same name and phone for the same organisation again
    returns the existing place. The act is logged for the organisation. Raises PermissionDenied, ValidationError
    (no name, a phone number that is not one) or Conflict (cancelled, started or over).
    """
    check_may_assist(by=by, organisation=organisation)
    name, phone = (name or "").strip(), (phone or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Write the person's name.")]
    if not _PHONE.match(phone):
        errors["phone"] = [_("Write a phone number, for example +47 912 34 567.")]
    if errors:
        raise ValidationError(errors)
    session = _lock(session)
    existing = session.signups.active().filter(
        neighbour__isnull=True, organisation=organisation, name__iexact=name, phone=phone
    ).first()
    if existing is not None:
        return _with_position(existing), False
    now = timezone.now()
    _check_open_for_signups(session, now)
    signup = SignUp(
        session=session, name=name, phone=phone, signed_up_by=by, organisation=organisation, queued_at=now,
        created_at=now,
    )
    _seat_or_queue(session, signup, now)
    signup.save()
    _log(signup=signup, actor=by, action=AssistedAction.Action.SIGNED_UP,
         detail=signup.get_status_display())
    if signup.status == SignUp.Status.CONFIRMED:
        _thread_sync(session=session, neighbour=by)
    return _with_position(signup), True


def may_cancel(*, signup, by):
    """The person, whoever signed them up, the session's organisers, and (for assisted places) the admins and
    coordinators of the organisation that made it may cancel a place."""
    if by.pk in (signup.neighbour_id, signup.signed_up_by_id):
        return True
    if signup.organisation_id and membership_may_act(neighbour=by, organisation=signup.organisation):
        return True
    return is_organiser(session=signup.session, neighbour=by)


@transaction.atomic
def signup_cancel(*, signup, by):
    """Cancels a place. A freed seat goes at once to the first person on the waiting list, who is told after commit.

    Cancelling a cancelled place changes nothing. Raises PermissionDenied or Conflict (the session has started).
    """
    session = _lock(signup.session)
    signup = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("neighbour", "signed_up_by", "organisation")
        .get(pk=signup.pk)
    )
    signup.session = session
    if not may_cancel(signup=signup, by=by):
        raise PermissionDenied(_("You cannot cancel this place."))
    if signup.status == SignUp.Status.CANCELLED:
        return signup
    if session.status == Session.Status.SCHEDULED and session.starts_at <= timezone.now():
        raise Conflict(_("This session has already started or is over."))
    signup.status = SignUp.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["status", "cancelled_at"])
    if signup.is_assisted or by.pk != signup.neighbour_id:
        _log(signup=signup, actor=by, action=AssistedAction.Action.CANCELLED)
    _thread_sync(session=session, neighbour=signup.neighbour or signup.signed_up_by)
    if session.status == Session.Status.SCHEDULED:
        _promote(session)
    signup.position = None
    return signup


@transaction.atomic
def signup_mark_attended(*, signup, by, attended):
    """Organisers record whether a person with a seat came (``attended``: True, False, or None for "not noted")."""
    session = _lock(signup.session)
    check_organiser(session=session, neighbour=by)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status != SignUp.Status.CONFIRMED:
        raise Conflict(_("Only people with a seat can be marked as present."))
    signup.attended = attended
    signup.save(update_fields=["attended"])
    if signup.is_assisted and membership_may_act(neighbour=by, organisation=signup.organisation_id):
        _log(signup=signup, actor=by, action=AssistedAction.Action.ATTENDANCE, detail=str(attended))
    return signup


@transaction.atomic
def assisted_message_send(*, signup, by, body):
    """A coordinator writes in the session's group thread on behalf of an assisted person with a seat.

    The message carries ``data={"on_behalf_of": {"signup", "name"}}`` and is logged. Raises PermissionDenied,
    ValidationError (the body) or Conflict (the person has no seat).
    """
    signup = SignUp.objects.select_related("session", "session__offer", "organisation").get(pk=signup.pk)
    if not signup.is_assisted:
        raise PermissionDenied(_("This person writes for themselves."))
    check_may_assist(by=by, organisation=signup.organisation)
    if signup.status != SignUp.Status.CONFIRMED:
        raise Conflict(_("Only people with a seat take part in the group conversation."))
    participant_ensure(thread=signup.session.thread, neighbour=by)
    message, _created = message_send(
        thread_id=signup.session.thread_id, author=by, body=body,
        data={"on_behalf_of": {"signup": signup.pk, "name": signup.name}},
    )
    _log(signup=signup, actor=by, action=AssistedAction.Action.MESSAGE, detail=body[:500])
    return message


# -- reminders --------------------------------------------------------------------------------------------------------

def session_reminders_send(*, now=None):
    """Reminds everyone with a seat at a scheduled session starting within ``DUGNAD_REMINDER_LEAD_HOURS``: a
    notification and an e-mail (for an assisted person, to the coordinator who signed them up, with the phone number
    to call). Each reminder is claimed before it is sent, so timers running at once never send one twice.

    Meant for a timer (``manage.py send_reminders``). Returns how many were sent.
    """
    now = now or timezone.now()
    soon = now + timedelta(hours=settings.DUGNAD_REMINDER_LEAD_HOURS)
    due = SignUp.objects.filter(
        status=SignUp.Status.CONFIRMED, reminder_sent_at__isnull=True,
        session__status=Session.Status.SCHEDULED, session__starts_at__gt=now, session__starts_at__lte=soon,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = SignUp.objects.filter(
                pk=pk, reminder_sent_at__isnull=True, status=SignUp.Status.CONFIRMED
            ).update(reminder_sent_at=now)
            if not claimed:
                continue
            signup = SignUp.objects.select_related("session__offer", "neighbour", "signed_up_by").get(pk=pk)
            recipient = _who_hears(signup)
            if recipient is not None:
                _tell(recipient=recipient, kind="session_reminder", session=signup.session, signup=signup)
                sent += 1
    return sent
