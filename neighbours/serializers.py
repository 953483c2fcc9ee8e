from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geo.serializers import LatLonField
from neighbours.models import (
    Category,
    Invitation,
    Language,
    Membership,
    Neighbour,
    NotifyFrequency,
    Organisation,
    Report,
    ReportTarget,
)
from neighbours.moderation import DECISION_ACTIONS


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    display_name = serializers.CharField(max_length=80)
    language = serializers.ChoiceField(choices=Language.choices, required=False)


class RegisterOutputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    detail = serializers.CharField()


class TokenInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeOutputSerializer(serializers.ModelSerializer):
    home = LatLonField(read_only=True, allow_null=True)
    home_approximate = LatLonField(source="home_approx", read_only=True, allow_null=True)
    email_verified = serializers.BooleanField(read_only=True)
    may_post = serializers.BooleanField(read_only=True)
    interests = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Neighbour
        fields = [
            "id", "email", "display_name", "language", "bio", "reach_km", "home", "home_approximate",
            "interests", "notify_frequency", "email_verified", "may_post", "date_joined",
        ]
        read_only_fields = fields


class MeUpdateInputSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=80, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    bio = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    reach_km = serializers.IntegerField(min_value=1, max_value=100, required=False)
    home = LatLonField(required=False, allow_null=True)
    home_address = serializers.CharField(max_length=300, required=False)
    interests = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Category.objects.all(), required=False,
        help_text=_("The kinds of help I want to hear about (category slugs); replaces the whole list."),
    )
    notify_frequency = serializers.ChoiceField(choices=NotifyFrequency.choices, required=False)

    def validate(self, attrs):
        if "home" in attrs and "home_address" in attrs:
            raise serializers.ValidationError(
                {"home_address": [_("Give either a point or an address for your home, not both.")]}
            )
        return attrs


class BlockInputSerializer(serializers.Serializer):
    neighbour = serializers.PrimaryKeyRelatedField(queryset=Neighbour.objects.filter(is_active=True))


class BlockOutputSerializer(serializers.Serializer):
    neighbour = serializers.IntegerField(source="blocked_id")
    display_name = serializers.CharField(source="blocked.display_name")
    created_at = serializers.DateTimeField()


class OrganisationFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices, required=False)
    q = serializers.CharField(max_length=120, required=False, allow_blank=True)
    near = serializers.CharField(required=False, help_text=_("“lat,lon”: only organisations near this point."))
    radius_km = serializers.FloatField(min_value=0.1, max_value=500, required=False)

    def validate_near(self, value):
        try:
            lat, lon = (float(part) for part in value.split(","))
        except ValueError:
            raise serializers.ValidationError(_("Give a point as “lat,lon”.")) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise serializers.ValidationError(_("Give a point as “lat,lon”."))
        return Point(lon, lat, srid=4326)


class OrganisationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    location = LatLonField(required=False, allow_null=True)
    service_radius_km = serializers.IntegerField(min_value=1, max_value=200, required=False)
    is_professional = serializers.BooleanField(required=False)


class OrganisationUpdateSerializer(OrganisationInputSerializer):
    name = serializers.CharField(max_length=120, required=False)
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices, required=False)


class OrganisationOutputSerializer(serializers.ModelSerializer):
    """An organisation, with the viewer's relation to it (from the annotations of ``organisation_list``)."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    provider = serializers.ChoiceField(choices=["professional", "volunteer"], read_only=True)
    provider_label = serializers.CharField(read_only=True)
    location = LatLonField(read_only=True, allow_null=True)
    followers_count = serializers.SerializerMethodField()
    is_following = serializers.SerializerMethodField()
    my_role = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "id", "name", "kind", "kind_label", "is_professional", "provider", "provider_label", "description",
            "location", "service_radius_km", "followers_count", "is_following", "my_role", "created_at",
        ]
        read_only_fields = fields

    def get_followers_count(self, obj) -> int:
        count = getattr(obj, "followers_count", None)
        return obj.follows.count() if count is None else count

    def get_is_following(self, obj) -> bool:
        return bool(getattr(obj, "is_following", False))

    @extend_schema_field(serializers.ChoiceField(choices=Membership.Role.choices, allow_null=True))
    def get_my_role(self, obj):
        return getattr(obj, "my_role", None)


class MemberOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="neighbour_id")
    display_name = serializers.CharField(source="neighbour.display_name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    joined_at = serializers.DateTimeField(source="created_at")


class MemberListOutputSerializer(serializers.Serializer):
    member_count = serializers.IntegerField()
    full_list = serializers.BooleanField(
        help_text=_("True for the organisation's members (everyone, with roles); false for everyone else, who see "
                    "only its administrators and coordinators.")
    )
    members = MemberOutputSerializer(many=True)


class MemberUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    step_down = serializers.BooleanField(
        required=False, default=False,
        help_text=_("With role “admin”: make this member administrator and become a coordinator yourself."),
    )


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False, default=Membership.Role.MEMBER)
    link = serializers.BooleanField(
        required=False, default=False,
        help_text=_("True: the organisation's reusable join link (member role) instead of an e-mail invitation."),
    )

    def validate(self, attrs):
        if attrs.get("link"):
            if attrs.get("role", Membership.Role.MEMBER) != Membership.Role.MEMBER:
                raise serializers.ValidationError({"role": [_("A join link is for members only.")]})
        elif not attrs.get("email"):
            raise serializers.ValidationError({"email": [_("Give an e-mail address.")]})
        return attrs


class InvitationOutputSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    # (not declared as an e-mail address: a link invitation has none, and answers "")
    email = serializers.CharField(read_only=True, help_text="The invited address; empty for a link invitation.")
    invited_by = serializers.CharField(source="invited_by.display_name", allow_null=True, default=None)
    token = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "organisation", "kind", "role", "email", "token", "url", "invited_by", "created_at",
                  "expires_at", "accepted_at", "revoked_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["email", "link"]))
    def get_kind(self, obj):
        return "link" if obj.is_link else "email"

    def get_url(self, obj) -> str:
        path = reverse("frontend:invitation_accept", args=[obj.token])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class MembershipOutputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation_id")
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class FollowOutputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation_id")
    name = serializers.CharField(source="organisation.name")
    provider = serializers.CharField(source="organisation.provider")
    since = serializers.DateTimeField(source="created_at")


class MeDeleteInputSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


class ReportInputSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=ReportTarget.choices)
    target_id = serializers.IntegerField(min_value=1)
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    reason = serializers.CharField()
    note = serializers.CharField()
    status = serializers.ChoiceField(choices=Report.Status.choices)
    created_at = serializers.DateTimeField()


class ModerationReportSerializer(serializers.Serializer):
    reason = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class ModerationTargetSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    author = serializers.SerializerMethodField()
    hidden = serializers.BooleanField()

    @extend_schema_field({"type": "object", "nullable": True,
                          "properties": {"id": {"type": "integer"}, "display_name": {"type": "string"}}})
    def get_author(self, target):
        if target.author is None:
            return None
        return {"id": target.author.pk, "display_name": target.author.display_name}


class ModerationQueueItemSerializer(serializers.Serializer):
    """One reported thing with its open reports (never the reporters' names)."""

    target = ModerationTargetSerializer()
    reasons = serializers.ListField(child=serializers.CharField())
    reports = ModerationReportSerializer(many=True)


class ModerationDecisionInputSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=ReportTarget.choices)
    target_id = serializers.IntegerField(min_value=1)
    action = serializers.ChoiceField(choices=DECISION_ACTIONS)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    suspend_days = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True,
                                            default=None, help_text="Empty: until further notice")


class ModerationDecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    reports_settled = serializers.IntegerField(source="reports.count")
    suspended_until = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class VerifiedOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    verified = serializers.BooleanField(source="is_verified")
