from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neighbours.models import HiddenByModerator


class HelpRequest(HiddenByModerator):
    """Something a neighbour (or an organisation, through a member) needs help with.

    ``location`` is exact and private (its author, and the other party of an agreement, see it); everyone else is
    shown, filtered and sorted by ``location_approx``, the centre of its ~250 m grid cell (geo.privacy).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_requests")
    organisation = models.ForeignKey(
        "neighbours.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="help_requests"
    )
    category = models.ForeignKey("neighbours.Category", on_delete=models.PROTECT, related_name="help_requests")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    location = models.PointField(_("location"), geography=True, srid=4326)
    location_approx = models.PointField(_("approximate location"), geography=True, srid=4326)
    needed_from = models.DateTimeField(_("needed from"), null=True, blank=True)
    needed_until = models.DateTimeField(_("needed until"), null=True, blank=True)
    recurrence = models.CharField(
        _("repeats"), max_length=500, blank=True, help_text=_("An RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=FR;COUNT=10")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    expires_at = models.DateTimeField(_("expires"))
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-created_at"]
        indexes = [
            # Nearby searches look only at open requests: a partial index keeps them small and fast. (Declared on an
            # expression because Django 5.2's PostGIS schema editor drops the condition of a plain field index.)
            GistIndex(F("location_approx"), condition=Q(status="open"), name="helprequest_open_near"),
            models.Index(fields=["status", "expires_at"], name="helprequest_status_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(needed_until__isnull=True) | Q(needed_from__isnull=True)
                | Q(needed_until__gte=F("needed_from")),
                name="helprequest_window_in_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "matched", "done", "cancelled", "expired"]),
                name="helprequest_status_valid",
            ),
        ]

    def __str__(self):
        return self.title


class Response(models.Model):
    """"I can help": a neighbour's (or an organisation's) answer to a help request."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="responses")
    responder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey(
        "neighbours.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="responses"
    )
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "responder"], name="response_once_per_neighbour"),
        ]

    def __str__(self):
        return f"{self.responder} → {self.request}"


class Agreement(models.Model):
    """The requester and a helper agreed: they talk in ``thread`` and meet at the ``occurrences``."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="agreements")
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="agreement")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agreements_as_requester"
    )
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agreements_as_helper")
    helper_organisation = models.ForeignKey(
        "neighbours.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="agreements"
    )
    # Set right after the agreement is created (the thread is about the agreement, so it needs its id first).
    thread = models.ForeignKey("chat.Thread", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created_at"]
        constraints = [
            # One answer makes at most one agreement (``response`` is one-to-one), and a request has each helper
            # at most once, however many devices press Accept at the same moment.
            models.UniqueConstraint(fields=["request", "helper"], name="agreement_once_per_helper"),
        ]

    def __str__(self):
        return f"{self.request} ({self.requester} + {self.helper})"


class Occurrence(models.Model):
    """One dated instance of an agreement's schedule."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SKIPPED = "skipped", _("Skipped")
        DONE = "done", _("Done")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="occurrences")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    # The date of the rule this occurrence was made from (null for dates added by a proposal). It never changes, so
    # extending the schedule never makes a moved or skipped date again.
    rule_starts_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped on every change: the iCalendar SEQUENCE, so calendar apps replace their copy of the event.
    sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")), name="occurrence_in_order"
            ),
            models.UniqueConstraint(fields=["agreement", "rule_starts_at"], name="occurrence_once_per_rule_date"),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], condition=Q(reminder_sent_at__isnull=True),
                         name="occurrence_reminder_due"),
        ]

    def __str__(self):
        return f"{self.agreement} @ {self.starts_at:%Y-%m-%d %H:%M}"


class Proposal(models.Model):
    """A party's wish to move, skip or add a date of an agreement. Only an accepted proposal changes the schedule."""

    class Action(models.TextChoices):
        MOVE = "move", _("Move")
        SKIP = "skip", _("Skip")
        ADD = "add", _("Add")

    class Side(models.TextChoices):
        REQUESTER = "requester", _("Requester")
        HELPER = "helper", _("Helper")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SUPERSEDED = "superseded", _("Out of date")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="proposals")
    action = models.CharField(_("change"), max_length=8, choices=Action.choices)
    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.CASCADE, null=True, blank=True, related_name="proposals"
    )
    # The occurrence's sequence when proposed: if it changed before the decision, the proposal is out of date.
    occurrence_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # When the occurrence was planned when proposed (it may move later): the history says what was changed.
    old_starts_at = models.DateTimeField(_("old start"), null=True, blank=True)
    starts_at = models.DateTimeField(_("new start"), null=True, blank=True)
    ends_at = models.DateTimeField(_("new end"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    message = models.ForeignKey("chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action="add", occurrence__isnull=True) | Q(~Q(action="add"), occurrence__isnull=False),
                name="proposal_occurrence_unless_add",
            ),
            models.CheckConstraint(
                condition=Q(action="skip") | Q(starts_at__isnull=False), name="proposal_time_unless_skip"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")), name="proposal_in_order"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} ({self.get_status_display()}) – {self.agreement}"


class CalendarFeed(models.Model):
    """A private subscription URL for one neighbour's calendar app: whoever has the token reads the agreement's
    dates without logging in. Rotating the token (or deleting the row) makes the old URL stop working."""

    neighbour = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="calendar_feeds")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")
        constraints = [
            models.UniqueConstraint(fields=["neighbour", "agreement"], name="calendarfeed_once_per_agreement"),
        ]

    def __str__(self):
        return f"Calendar of {self.agreement} for {self.neighbour}"


class Referral(models.Model):
    """An organisation that cannot take a request passes it to a partner organisation, with a note.

    The partner's admins and coordinators see it in their inbox; it is ``responded`` once the partner answers the
    request on the organisation's behalf, or ``declined``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        RESPONDED = "responded", _("Answered")
        DECLINED = "declined", _("Declined")

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="referrals")
    from_organisation = models.ForeignKey(
        "neighbours.Organisation", on_delete=models.CASCADE, related_name="referrals_sent"
    )
    to_organisation = models.ForeignKey(
        "neighbours.Organisation", on_delete=models.CASCADE, related_name="referrals_received"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "to_organisation"], name="referral_once_per_partner"),
            models.CheckConstraint(
                condition=~Q(from_organisation=F("to_organisation")), name="referral_not_to_itself"
            ),
        ]

    def __str__(self):
        return f"{self.request} → {self.to_organisation}"
