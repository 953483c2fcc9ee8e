from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HelpOffer(models.Model):
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
