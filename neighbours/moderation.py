"""Trust and safety: reports, the community moderators' decisions and the "verified neighbour" badge.

Moderation is done by neighbours the operator made moderators (``Neighbour.is_moderator``), never by the
municipality (DESIGN §2). Reports name their target by type and id, because the content lives in apps above this
one (requests/, offers/, chat/); those models are looked up through the app registry rather than imported.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from neighbours.models import Membership, ModerationDecision, Neighbour, Organisation, Report, ReportTarget
from neighbours.selectors import membership_role

Action = ModerationDecision.Action

# What a moderator may decide about reported content.
DECISION_ACTIONS = [
    (Action.DISMISS.value, Action.DISMISS.label), (Action.HIDE.value, Action.HIDE.label),
    (Action.WARN.value, Action.WARN.label), (Action.SUSPEND.value, Action.SUSPEND.label),
]

# A suspension without an end date (the moderator chose "until further notice") lasts this long.
SUSPEND_INDEFINITELY_DAYS = 365 * 100


@dataclass
class Target:
    """Reported content, as much of it as a moderator may see: for a message only that one message."""

    type: str
    id: int
    obj: object
    author: Neighbour | None
    title: str
    text: str

    @property
    def type_label(self):
        return ReportTarget(self.type).label

    @property
    def may_hide(self):
        return self.type != ReportTarget.PROFILE

    @property
    def hidden(self):
        return getattr(self.obj, "hidden_at", None) is not None


def _model(target_type):
    return {
        ReportTarget.REQUEST: apps.get_model("requests", "HelpRequest"),
        ReportTarget.OFFER: apps.get_model("offers", "HelpOffer"),
        ReportTarget.ORGANISATION: Organisation,
        ReportTarget.MESSAGE: apps.get_model("chat", "Message"),
        ReportTarget.PROFILE: Neighbour,
    }[target_type]


def _describe(target_type, obj):
    if target_type in (ReportTarget.REQUEST, ReportTarget.OFFER):
        return Target(target_type, obj.pk, obj, obj.author, obj.title, obj.description)
    if target_type == ReportTarget.ORGANISATION:
        return Target(target_type, obj.pk, obj, None, obj.name, obj.description)
    if target_type == ReportTarget.MESSAGE:
        author_name = obj.author.display_name if obj.author else ""
        return Target(target_type, obj.pk, obj, obj.author, author_name, obj.body)
    return Target(target_type, obj.pk, obj, obj, obj.display_name, obj.bio)


def target_get(*, target_type, target_id, lock=False):
    """The target whatever its visibility (for moderators), or Http404."""
    if target_type not in ReportTarget.values:
        raise Http404
    queryset = _model(target_type).objects.all()
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    if target_type in (ReportTarget.REQUEST, ReportTarget.OFFER, ReportTarget.MESSAGE):
        queryset = queryset.select_related("author")
    obj = queryset.filter(pk=target_id).first()
    if obj is None:
        raise Http404
    return _describe(target_type, obj)


def target_get_for_reporter(*, reporter, target_type, target_id):
    """The target if ``reporter`` can see it (a message only in a thread they take part in), else Http404."""
    if target_type == ReportTarget.REQUEST:
        from requests.selectors import help_request_get_visible

        return _describe(target_type, help_request_get_visible(viewer=reporter, pk=target_id))
    if target_type == ReportTarget.OFFER:
        from offers.selectors import help_offer_get_visible

        return _describe(target_type, help_offer_get_visible(viewer=reporter, pk=target_id))
    if target_type == ReportTarget.ORGANISATION:
        from neighbours.selectors import organisation_get

        return _describe(target_type, organisation_get(viewer=reporter, pk=target_id))
    if target_type == ReportTarget.MESSAGE:
        message = (
            _model(target_type).objects.select_related("author")
            .filter(pk=target_id, thread__participations__neighbour=reporter).first()
        )
        if message is None:
            raise Http404
        return _describe(target_type, message)
    if target_type == ReportTarget.PROFILE:
        neighbour = Neighbour.objects.filter(pk=target_id, is_active=True).first()
        if neighbour is None:
            raise Http404
        return _describe(target_type, neighbour)
    raise Http404


def _is_own(*, target, neighbour):
    """Whether ``target`` is ``neighbour``'s own content (or, for an organisation, one they belong to)."""
    if target.author is not None and target.author.pk == neighbour.pk:
        return True
    if target.type == ReportTarget.ORGANISATION:
        return membership_role(neighbour=neighbour, organisation=target.obj) is not None
    return False


def report_create(*, reporter, target_type, target_id, reason, note=""):
    """Files a report; returns ``(report, created)``. Reporting the same target again while the first report is
    still open returns that report.

    Raises ValidationError (by field) for an unknown type or reason, a target the reporter cannot see, or their
    own content.
    """
    if target_type not in ReportTarget.values:
        raise ValidationError({"target_type": [_("Choose what you are reporting.")]})
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": [_("Choose a reason.")]})
    try:
        target = target_get_for_reporter(reporter=reporter, target_type=target_type, target_id=target_id)
    except Http404:
        raise ValidationError({"target_id": [_("We could not find this.")]}) from None
    if _is_own(target=target, neighbour=reporter):
        raise ValidationError({"target_id": [_("You cannot report your own content.")]})
    existing = Report.objects.filter(
        reporter=reporter, target_type=target_type, target_id=target.id, status=Report.Status.OPEN
    ).first()
    if existing is not None:
        return existing, False
    report = Report(reporter=reporter, target_type=target_type, target_id=target.id, reason=reason, note=note)
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # the same report sent twice at once
        return Report.objects.get(
            reporter=reporter, target_type=target_type, target_id=target.id, status=Report.Status.OPEN
        ), False
    return report, True


def check_is_moderator(neighbour):
    if not (getattr(neighbour, "is_authenticated", False) and neighbour.is_moderator and neighbour.is_active):
        raise PermissionDenied(_("Only community moderators may do this."))


@dataclass
class QueueItem:
    target: Target
    reports: list

    @property
    def reasons(self):
        return sorted({report.get_reason_display() for report in self.reports}, key=str)


def moderation_queue(*, moderator):
    """Open reports grouped by target, oldest first, without those about the moderator or their own content.

    Raises PermissionDenied for anyone but a moderator.
    """
    check_is_moderator(moderator)
    groups = {}
    for report in Report.objects.filter(status=Report.Status.OPEN).order_by("created_at", "pk"):
        groups.setdefault((report.target_type, report.target_id), []).append(report)
    items = []
    for (target_type, target_id), reports in groups.items():
        try:
            target = target_get(target_type=target_type, target_id=target_id)
        except Http404:  # deleted since: nothing left to decide
            continue
        if _is_own(target=target, neighbour=moderator):
            continue
        items.append(QueueItem(target=target, reports=reports))
    return items


_OUTCOMES = {
    Action.DISMISS: lambda: _("A moderator looked at what you reported and left it as it is."),
    Action.HIDE: lambda: _("A moderator looked at what you reported and hid it."),
    Action.WARN: lambda: _("A moderator looked at what you reported and warned the person who wrote it."),
    Action.SUSPEND: lambda: _("A moderator looked at what you reported and suspended the person who wrote it."),
}


def outcome_text(action):
    """What a reporter is told about the decision on their report, in plain words (never who decided). Kept in
    the notification for API clients; pages render it from ``action`` in the reader's language."""
    return _OUTCOMES[action]()


@transaction.atomic
def moderation_decide(*, moderator, target_type, target_id, action, note="", suspend_days=None):
    """A moderator decides about a reported target: dismiss the reports, hide the content, warn its author or
    suspend them (for ``suspend_days``, or until further notice). Every open report about the target is settled by
    the one decision and its reporter told the outcome.

    Raises PermissionDenied (not a moderator, or the moderator's own content) and ValidationError (nothing open to
    decide, or an action that does not fit the target).
    """
    check_is_moderator(moderator)
    if action not in (Action.DISMISS, Action.HIDE, Action.WARN, Action.SUSPEND):
        raise ValidationError({"action": [_("Choose dismiss, hide, warn or suspend.")]})
    try:
        target = target_get(target_type=target_type, target_id=target_id, lock=True)
    except Http404:
        raise ValidationError({"target_id": [_("We could not find this.")]}) from None
    if _is_own(target=target, neighbour=moderator):
        raise PermissionDenied(_("Another moderator must decide about reports on you or your own content."))
    reports = list(
        Report.objects.select_for_update().filter(
            target_type=target_type, target_id=target.id, status=Report.Status.OPEN
        )
    )
    if not reports:
        raise ValidationError({"target_id": [_("There is nothing open to decide about this.")]})
    if action == Action.HIDE and not target.may_hide:
        raise ValidationError({"action": [_("A profile cannot be hidden. Warn or suspend the person instead.")]})
    if action in (Action.WARN, Action.SUSPEND) and target.author is None:
        raise ValidationError({"action": [_("There is no single author to warn or suspend here.")]})

    now = timezone.now()
    decision = ModerationDecision(
        moderator=moderator, action=action, note=note, target_type=target_type, target_id=target.id,
        target_author=target.author,
    )
    if action == Action.HIDE:
        target.obj.hidden_at = now
        target.obj.hidden_by = moderator
        target.obj.save(update_fields=["hidden_at", "hidden_by"])
        if target.type == ReportTarget.MESSAGE:
            _broadcast_hidden(target.obj)
    elif action == Action.WARN:
        _notify(recipient=target.author, kind="moderation_warning", payload={"note": note})
    elif action == Action.SUSPEND:
        until = now + timedelta(days=suspend_days or SUSPEND_INDEFINITELY_DAYS)
        Neighbour.objects.filter(pk=target.author.pk).update(suspended_until=until)
        # Every API client is logged out; the web session ends at the next log-in check.
        Token.objects.filter(user_id=target.author.pk).delete()
        decision.suspended_until = until
    decision.save()
    Report.objects.filter(pk__in=[report.pk for report in reports]).update(
        status=Report.Status.DISMISSED if action == Action.DISMISS else Report.Status.RESOLVED, decision=decision
    )
    for reporter in Neighbour.objects.filter(pk__in={report.reporter_id for report in reports}).order_by("pk"):
        with translation.override(reporter.language):
            outcome = outcome_text(action)
        _notify(recipient=reporter, kind="report_decided", payload={"action": action, "outcome": outcome})
    return decision


def _broadcast_hidden(message):
    from chat import events

    payload = events.message_payload(message)
    transaction.on_commit(lambda: events.broadcast_hidden(payload=payload))


def _notify(*, recipient, kind, payload):
    from chat.services import notification_send

    notification_send(recipient=recipient, kind=kind, payload=payload)


def check_may_verify(*, by, neighbour):
    """Raises PermissionDenied unless ``by`` may grant or revoke ``neighbour``'s badge: a moderator, or an admin of
    an organisation ``neighbour`` belongs to; never for themselves."""
    if by.pk == neighbour.pk:
        raise PermissionDenied(_("Someone else must verify you."))
    if getattr(by, "is_moderator", False) and by.is_active:
        return
    shared = Membership.objects.filter(
        neighbour=neighbour,
        organisation__memberships__neighbour=by,
        organisation__memberships__role=Membership.Role.ADMIN,
    )
    if not shared.exists():
        raise PermissionDenied(_("Only moderators and administrators of the person's organisation may do this."))


@transaction.atomic
def neighbour_verify(*, neighbour, by):
    """Gives ``neighbour`` the "verified neighbour" badge (idempotent). Raises PermissionDenied."""
    check_may_verify(by=by, neighbour=neighbour)
    neighbour = Neighbour.objects.select_for_update().get(pk=neighbour.pk)
    if neighbour.verified_at is None:
        neighbour.verified_at = timezone.now()
        neighbour.verified_by = by
        neighbour.save(update_fields=["verified_at", "verified_by"])
    return neighbour


@transaction.atomic
def neighbour_unverify(*, neighbour, by):
    """Takes the badge away again. Raises PermissionDenied."""
    check_may_verify(by=by, neighbour=neighbour)
    neighbour = Neighbour.objects.select_for_update().get(pk=neighbour.pk)
    neighbour.verified_at = None
    neighbour.verified_by = None
    neighbour.save(update_fields=["verified_at", "verified_by"])
    return neighbour
