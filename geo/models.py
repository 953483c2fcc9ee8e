from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
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
