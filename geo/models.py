from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Place(models.Model):
    """An entry of the local gazetteer: an address or a named place, searched by trigram similarity."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, blank=True, help_text=_("address, street, area, landmark…"))
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    point = models.PointField(_("point"), geography=True, srid=4326)
    # Lower-cased "name, municipality": what queries are compared with.
    search_text = models.CharField(max_length=320, editable=False)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes = [GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name="place_search_trgm")]
        constraints = [
            models.UniqueConstraint(fields=["name", "municipality"], name="place_unique_name_in_municipality"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return f"{self.name}, {self.municipality}" if self.municipality else self.name

    def save(self, *args, **kwargs):
        self.search_text = self.label.lower()
        super().save(*args, **kwargs)


class ServiceArea(models.Model):
    """The municipality's boundary: new posts must lie inside it (``geo.services.check_inside_service_area``).

    There is at most one row, the active boundary: importing a boundary replaces the previous one
    (``geo.services.service_area_import``), and a unique index on a constant keeps a second row out whatever writes
    it. With no row at all, nothing is bounded.
    """

    name = models.CharField(_("name"), max_length=200)
    boundary = models.MultiPolygonField(_("boundary"), geography=True, srid=4326)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        constraints = [
            # Every row has the same value for this expression, so a unique index on it admits a single row.
            models.UniqueConstraint(models.Value(True), name="service_area_single_row"),
        ]

    def __str__(self):
        return self.name
