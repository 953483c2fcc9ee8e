"""DRF fields for the API's point convention: ``{"lat": …, "lon": …}`` in WGS 84."""

from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geo.selectors import rounded_km


class _LatLonInput(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "lat": {"type": "number", "format": "double", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "format": "double", "minimum": -180, "maximum": 180},
        },
        "required": ["lat", "lon"],
    }
)
class LatLonField(serializers.Field):
    """A GEOS point in and out as ``{"lat": 62.47, "lon": 6.15}``."""

    default_error_messages = {"invalid": _('Give a point as {{"lat": number, "lon": number}}.')}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("invalid")
        inner = _LatLonInput(data=data)
        inner.is_valid(raise_exception=True)
        return Point(inner.validated_data["lon"], inner.validated_data["lat"], srid=4326)

    def to_representation(self, value):
        return {"lat": round(value.y, 6), "lon": round(value.x, 6)}


class GeocodeInputSerializer(serializers.Serializer):
    q = serializers.CharField(
        min_length=2, max_length=300, help_text=_("An address or place name (2–300 characters).")
    )


class GeocodeResultSerializer(serializers.Serializer):
    label = serializers.CharField()
    point = LatLonField()
    source = serializers.ChoiceField(
        choices=["gazetteer", "nominatim"],
        help_text=_("Where the result comes from: the local gazetteer or the external geocoding service."),
    )


class GeocodeOutputSerializer(serializers.Serializer):
    results = GeocodeResultSerializer(many=True)


class PrivateLocationMixin(serializers.Serializer):
    """Output fields of a post with a private ``location`` and its public ``location_approx``.

    ``location`` is the exact point only where ``sees_exact(obj)`` (defined by the serializer) says so, and never in
    a context with ``approximate_only``; ``distance_km`` is the annotated ``distance``, rounded (geo.selectors).
    """

    location = serializers.SerializerMethodField()
    location_is_approximate = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()

    def sees_exact(self, obj):
        raise NotImplementedError

    def _shows_exact(self, obj):
        return not self.context.get("approximate_only") and self.sees_exact(obj)

    @extend_schema_field(LatLonField)
    def get_location(self, obj):
        return LatLonField().to_representation(obj.location if self._shows_exact(obj) else obj.location_approx)

    def get_location_is_approximate(self, obj) -> bool:
        return not self._shows_exact(obj)

    def get_distance_km(self, obj) -> float | None:
        """Kilometres (one decimal) from the ``near`` point to the approximate location; null without ``near``."""
        return rounded_km(getattr(obj, "distance", None))
