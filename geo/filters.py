"""The ``near``/``radius_km``/``ordering=distance`` filters shared by the lists of requests and offers."""

import django_filters
from django import forms
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from geo.selectors import within

DEFAULT_RADIUS_KM = 10


class LatLonFormField(forms.CharField):
    """``"62.47,6.15"`` → a WGS 84 Point."""

    default_error_messages = {
        "invalid": _("Give a place as latitude,longitude, e.g. 62.47,6.15."),
        "range": _("Latitude must be between -90 and 90, and longitude between -180 and 180."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            lat, lon = (float(part) for part in value.split(","))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError(self.error_messages["range"], code="range")
        return Point(lon, lat, srid=4326)


@extend_schema_field({"type": "string", "pattern": r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$", "example": "62.47,6.15"})
class LatLonFilter(django_filters.Filter):
    field_class = LatLonFormField


class NearbyFilterSet(django_filters.FilterSet):
    """Adds ``near=<lat>,<lon>`` with ``radius_km`` (default 10, at most DUGNAD_MAX_RADIUS_KM) on ``spatial_field``.

    With ``near``, rows carry ``distance`` and ``ordering=distance`` sorts nearest first; otherwise the newest come
    first. Subclasses name the point column people may be searched by (the approximate one).
    """

    spatial_field = "location_approx"

    near = LatLonFilter(method="_deferred", label=_("near (lat,lon)"))
    radius_km = django_filters.NumberFilter(method="_deferred", label=_("radius (km)"))
    ordering = django_filters.ChoiceFilter(
        method="_deferred",
        choices=[("distance", _("nearest first")), ("-created_at", _("newest first"))],
        label=_("ordering"),
    )

    def _deferred(self, queryset, name, value):
        # Applied together in filter_queryset, since they depend on each other.
        return queryset

    def is_valid(self):
        valid = super().is_valid()
        if not valid:
            return False
        data = self.form.cleaned_data
        radius = data.get("radius_km")
        if radius is not None and not (0 < radius <= settings.DUGNAD_MAX_RADIUS_KM):
            self.form.add_error(
                "radius_km",
                _("The radius must be more than 0 and at most %(max)s km.") % {"max": settings.DUGNAD_MAX_RADIUS_KM},
            )
        if radius is not None and data.get("near") is None:
            self.form.add_error("radius_km", _("A radius needs a place: give near=<lat>,<lon> too."))
        if data.get("ordering") == "distance" and data.get("near") is None:
            self.form.add_error("ordering", _("Sorting by distance needs a place: give near=<lat>,<lon> too."))
        return not self.form.errors

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        point = data.get("near")
        if point is not None:
            radius = data.get("radius_km") or DEFAULT_RADIUS_KM
            queryset = within(queryset, field=self.spatial_field, point=point, radius_km=float(radius))
        if data.get("ordering") == "distance":
            return queryset.order_by("distance", "-created_at")
        return queryset.order_by("-created_at")
