from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neighbours.models import HiddenByModerator


class HelpOffer(HiddenByModerator):
    """Help a neighbour or organisation offers within a service area (centre + radius).

    An individual's centre is usually their home, so it gets the same privacy as a request's location: strangers see
    ``location_approx``.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_offers")
    organisation = models.ForeignKey(
        "neighbours.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="help_offers"
    )
    category = models.ForeignKey("neighbours.Category", on_delete=models.PROTECT, related_name="help_offers")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    location = models.PointField(_("centre"), geography=True, srid=4326)
    location_approx = models.PointField(_("approximate centre"), geography=True, srid=4326)
    radius_km = models.DecimalField(
        _("radius (km)"), max_digits=5, decimal_places=1,
        validators=[MinValueValidator(0.1), MaxValueValidator(100)],
    )
    # Weekly availability: {"mon": [["09:00", "12:00"], ...], ...}; empty means "by arrangement".
    availability = models.JSONField(_("weekly availability"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("help offer")
        verbose_name_plural = _("help offers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "paused", "closed"]), name="helpoffer_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(radius_km__gt=0) & models.Q(radius_km__lte=100), name="helpoffer_radius_range"
            ),
        ]

    def __str__(self):
        return self.title


class OfferAsk(models.Model):
    """A neighbour asks for an offer ("I would like this help"). They talk in ``thread``; if the offerer accepts,
    it becomes a (private) help request with an agreement, exactly like an accepted response."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    offer = models.ForeignKey(HelpOffer, on_delete=models.CASCADE, related_name="asks")
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_asks")
    message = models.TextField(_("message"), max_length=2000)
    needed_from = models.DateTimeField(_("needed from"), null=True, blank=True)
    needed_until = models.DateTimeField(_("needed until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    thread = models.ForeignKey("chat.Thread", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    agreement = models.OneToOneField(
        "requests.Agreement", on_delete=models.SET_NULL, null=True, blank=True, related_name="offer_ask"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("request for an offer")
        verbose_name_plural = _("requests for offers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "asker"], condition=models.Q(status="pending"), name="offerask_one_pending"
            ),
            models.CheckConstraint(
                condition=models.Q(needed_until__isnull=True) | models.Q(needed_from__isnull=True)
                | models.Q(needed_until__gte=models.F("needed_from")),
                name="offerask_window_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.asker} asks for {self.offer}"


class Session(models.Model):
    """A dated group event of an offer ("Digital Post for beginners, Tuesday 14:00, 12 seats").

    Seats are handed out in order by ``offers.sessions.signup_create`` while it holds this row's lock; the row lock is
    what keeps a session from being over-booked, however many people sign up at once.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    offer = models.ForeignKey(HelpOffer, on_delete=models.CASCADE, related_name="sessions")
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("seats"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The group conversation of organisers and confirmed participants.
    thread = models.ForeignKey("chat.Thread", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=["scheduled", "cancelled"]), name="session_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="session_upcoming")]

    def __str__(self):
        return f"{self.offer} – {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def has_started(self):
        return self.starts_at <= timezone.now()

    @property
    def seats_left(self):
        """Free seats; uses the ``confirmed_count`` annotation of ``offers.selectors.session_annotate`` when there."""
        confirmed = getattr(self, "confirmed_count", None)
        if confirmed is None:
            confirmed = self.signups.filter(status="confirmed").count()
        return max(self.capacity - confirmed, 0)

    # What the feed and lists show of a session comes from its offer.
    @property
    def title(self):
        return self.offer.title

    @property
    def description(self):
        return self.offer.description

    @property
    def category(self):
        return self.offer.category

    @property
    def organisation(self):
        return self.offer.organisation

    @property
    def organisation_id(self):
        return self.offer.organisation_id

    @property
    def author(self):
        return self.offer.author

    @property
    def location_approx(self):
        return self.offer.location_approx


class SignUpQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=SignUp.Status.CANCELLED)

    def with_positions(self):
        """Annotates ``position``: the seat number (1..capacity) of a confirmed sign-up, the place in the queue
        (1..n) of a waitlisted one. Computed on every read, so nothing has to be renumbered when someone leaves."""
        return self.annotate(
            position=models.Window(
                expression=RowNumber(),
                partition_by=[models.F("session_id"), models.F("status")],
                order_by=[Coalesce("confirmed_at", "queued_at").asc(), models.F("pk").asc()],
            )
        )


class SignUp(models.Model):
    """A place at a session: a neighbour's own, or an assisted one made by an organisation's coordinator for a
    person without a device (``neighbour`` is empty, ``name`` and ``phone`` say who it is)."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Has a seat")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="signups")
    neighbour = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="session_signups"
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Who made the sign-up: the neighbour themselves, or the coordinator who signed someone up.
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # For assisted sign-ups: the organisation on whose behalf the coordinator acted.
    organisation = models.ForeignKey(
        "neighbours.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="session_signups"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    # The waiting-list order key (first come, first served); the seat order is by ``confirmed_at``.
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("got a seat"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    objects = SignUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["session", "queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "neighbour"],
                condition=models.Q(neighbour__isnull=False) & ~models.Q(status="cancelled"),
                name="signup_one_active_per_neighbour",
            ),
            models.CheckConstraint(
                condition=models.Q(neighbour__isnull=False) | ~models.Q(name=""), name="signup_guest_has_name"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["confirmed", "waitlisted", "cancelled"]), name="signup_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(confirmed_at__isnull=False),
                name="signup_confirmed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["session", "status", "queued_at"], name="signup_queue")]

    def __str__(self):
        return f"{self.display_name} at {self.session_id} ({self.status})"

    @property
    def is_assisted(self):
        return self.neighbour_id is None

    @property
    def display_name(self):
        return self.neighbour.display_name if self.neighbour_id else self.name


class AssistedAction(models.Model):
    """What a coordinator did for a person they assist: logged, and shown to the organisation's coordinators."""

    class Action(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        CANCELLED = "cancelled", _("Cancelled the place")
        MESSAGE = "message", _("Wrote in the group conversation")
        ATTENDANCE = "attendance", _("Marked attendance")

    organisation = models.ForeignKey(
        "neighbours.Organisation", on_delete=models.CASCADE, related_name="assisted_actions"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="assisted_actions")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    detail = models.TextField(_("detail"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("assisted action")
        verbose_name_plural = _("assisted actions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} for {self.signup_id}"
