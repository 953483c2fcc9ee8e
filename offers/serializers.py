from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geo.selectors import rounded_km
from geo.serializers import LatLonField, PrivateLocationMixin
from neighbours.models import Category, Organisation
from offers.models import HelpOffer, OfferAsk, Session, SignUp
from requests.serializers import PersonSerializer

AVAILABILITY_SCHEMA = {
    "type": "object",
    "description": 'Per weekday, a list of [start, end] times, e.g. {"mon": [["09:00", "12:00"]]}',
    "additionalProperties": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
}


@extend_schema_field(AVAILABILITY_SCHEMA)
class AvailabilityField(serializers.JSONField):
    pass


class HelpOfferInputSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    location = LatLonField(required=False)
    radius_km = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0.1"), max_value=Decimal(100)
    )
    availability = AvailabilityField(required=False)
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), required=False)


class HelpOfferUpdateSerializer(HelpOfferInputSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all(), required=False)
    title = serializers.CharField(max_length=120, required=False)
    radius_km = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0.1"), max_value=Decimal(100), required=False
    )
    status = serializers.ChoiceField(choices=HelpOffer.Status.choices, required=False)
    organisation = None


class HelpOfferOutputSerializer(PrivateLocationMixin, serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = PersonSerializer(read_only=True)
    radius_km = serializers.FloatField(read_only=True)
    availability = AvailabilityField(read_only=True)
    is_mine = serializers.SerializerMethodField()

    class Meta:
        model = HelpOffer
        fields = [
            "id", "category", "title", "description", "location", "location_is_approximate", "distance_km",
            "radius_km", "availability", "status", "organisation", "author", "is_mine", "created_at",
        ]
        read_only_fields = fields

    def sees_exact(self, obj):
        return obj.author_id == self.context["request"].user.pk

    def get_is_mine(self, obj) -> bool:
        return obj.author_id == self.context["request"].user.pk


class MatchSerializer(HelpOfferOutputSerializer):
    available = serializers.BooleanField(read_only=True, help_text="Available when the help is needed")

    class Meta(HelpOfferOutputSerializer.Meta):
        fields = [*HelpOfferOutputSerializer.Meta.fields, "available"]
        read_only_fields = fields


class _QuerySlugField(serializers.SlugRelatedField):
    """A slug from the query string: one with a NUL (``%00``, which JSON bodies never bring: config.parsers) is no
    slug, and must not reach PostgreSQL, which refuses it with an error instead of finding nothing."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class FeedQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["request", "offer", "session"], required=False)
    category = _QuerySlugField(slug_field="slug", queryset=Category.objects.all(), required=False)
    radius_km = serializers.FloatField(min_value=0.1, max_value=100, required=False)
    ordering = serializers.ChoiceField(choices=["newest", "nearest"], default="newest")
    page = serializers.IntegerField(min_value=1, max_value=1000, default=1)


class FeedItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["request", "offer", "session"],
                                   help_text="A session's title, category and place are its offer's")
    id = serializers.IntegerField(source="post.id")
    title = serializers.CharField(source="post.title")
    description = serializers.CharField(source="post.description")
    category = serializers.CharField(source="post.category.slug")
    organisation = serializers.IntegerField(source="post.organisation_id", allow_null=True)
    author = PersonSerializer(source="post.author")
    location = serializers.SerializerMethodField()
    location_is_approximate = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()
    followed = serializers.BooleanField(help_text="From an organisation I follow")
    created_at = serializers.DateTimeField(source="post.created_at")
    needed_from = serializers.DateTimeField(source="post.needed_from", default=None, allow_null=True)
    radius_km = serializers.FloatField(source="post.radius_km", default=None, allow_null=True)
    offer = serializers.IntegerField(source="post.offer_id", default=None, allow_null=True,
                                     help_text="For a session: its offer")
    starts_at = serializers.DateTimeField(source="post.starts_at", default=None, allow_null=True)
    ends_at = serializers.DateTimeField(source="post.ends_at", default=None, allow_null=True)
    place = serializers.CharField(source="post.place", default=None, allow_null=True)
    seats_left = serializers.IntegerField(source="post.seats_left", default=None, allow_null=True)

    @extend_schema_field(LatLonField)
    def get_location(self, item):
        return LatLonField().to_representation(item.post.location_approx)

    def get_location_is_approximate(self, item) -> bool:
        return True

    def get_distance_km(self, item) -> float | None:
        return rounded_km(getattr(item.post, "distance", None))


class FeedPageSerializer(serializers.Serializer):
    results = FeedItemSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class OfferAskInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=2000)
    needed_from = serializers.DateTimeField(required=False, allow_null=True)
    needed_until = serializers.DateTimeField(required=False, allow_null=True)


class OfferAskOutputSerializer(serializers.ModelSerializer):
    asker = PersonSerializer(read_only=True)

    class Meta:
        model = OfferAsk
        fields = ["id", "offer", "asker", "message", "needed_from", "needed_until", "status", "thread", "agreement",
                  "created_at"]
        read_only_fields = fields


# -- sessions ---------------------------------------------------------------------------------------------------------

class SessionInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(help_text="Seats; at least 1")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SessionUpdateSerializer(SessionInputSerializer):
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    capacity = serializers.IntegerField(required=False, help_text="Seats; never below the people who have one")


class MySignUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text='"confirmed" (has a seat) or "waitlisted"')
    position = serializers.IntegerField(help_text="Seat number when confirmed, place in the queue when waitlisted")


class SessionOutputSerializer(serializers.ModelSerializer):
    offer_title = serializers.CharField(source="offer.title", read_only=True)
    organisation = serializers.IntegerField(source="offer.organisation_id", allow_null=True, read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    waitlist_length = serializers.IntegerField(read_only=True)
    my_signup = MySignUpSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Session
        fields = ["id", "offer", "offer_title", "organisation", "place", "starts_at", "ends_at", "capacity",
                  "status", "seats_left", "waitlist_length", "my_signup", "thread", "created_at"]
        read_only_fields = fields


class SignUpOutputSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(allow_null=True, read_only=True,
                                        help_text="Seat number when confirmed, place in the queue when waitlisted")
    name = serializers.CharField(source="display_name", read_only=True)
    neighbour = PersonSerializer(read_only=True, allow_null=True)
    signed_up_by = PersonSerializer(read_only=True, allow_null=True)
    assisted = serializers.BooleanField(source="is_assisted", read_only=True,
                                        help_text="Signed up by a coordinator for a person without a device")

    class Meta:
        model = SignUp
        fields = ["id", "session", "status", "position", "name", "neighbour", "assisted", "phone", "signed_up_by",
                  "organisation", "attended", "created_at", "cancelled_at"]
        read_only_fields = fields


class MySessionSignUpSerializer(SignUpOutputSerializer):
    session = SessionOutputSerializer(read_only=True)

    class Meta(SignUpOutputSerializer.Meta):
        fields = ["id", "session", "status", "position", "created_at"]
        read_only_fields = fields


class AssistedSignUpInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    phone = serializers.CharField(max_length=32)
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())


class SignUpUpdateSerializer(serializers.Serializer):
    attended = serializers.BooleanField(allow_null=True)
