from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from geo.serializers import LatLonField, PrivateLocationMixin
from neighbours.models import Category, Organisation
from requests.models import Agreement, HelpRequest, Occurrence, Proposal, Referral, Response
from requests.selectors import viewer_is_party


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class HelpRequestInputSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    location = LatLonField(required=False)
    needed_from = serializers.DateTimeField(required=False, allow_null=True)
    needed_until = serializers.DateTimeField(required=False, allow_null=True)
    recurrence = serializers.CharField(max_length=500, required=False, allow_blank=True)
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), required=False)


class HelpRequestUpdateSerializer(HelpRequestInputSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all(), required=False)
    title = serializers.CharField(max_length=120, required=False)
    organisation = None


class HelpRequestOutputSerializer(PrivateLocationMixin, serializers.ModelSerializer):
    """A request as ``viewer`` (the ``request.user`` in the context) may see it."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = PersonSerializer(read_only=True)
    is_mine = serializers.SerializerMethodField()

    class Meta:
        model = HelpRequest
        fields = [
            "id", "category", "title", "description", "location", "location_is_approximate", "distance_km",
            "needed_from", "needed_until", "recurrence", "status", "organisation", "author", "is_mine",
            "created_at", "expires_at",
        ]
        read_only_fields = fields

    def sees_exact(self, obj):
        return viewer_is_party(help_request=obj, viewer=self.context["request"].user)

    def get_is_mine(self, obj) -> bool:
        return obj.author_id == self.context["request"].user.pk


class ResponseInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=2000)
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), required=False)


class ResponseOutputSerializer(serializers.ModelSerializer):
    responder = PersonSerializer(read_only=True)

    class Meta:
        model = Response
        fields = ["id", "request", "responder", "organisation", "message", "status", "created_at"]
        read_only_fields = fields


class OccurrenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occurrence
        fields = ["id", "starts_at", "ends_at", "status", "sequence"]
        read_only_fields = fields


class ProposalOutputSerializer(serializers.ModelSerializer):
    proposed_by = PersonSerializer(read_only=True, allow_null=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Proposal
        fields = [
            "id", "agreement", "action", "occurrence", "starts_at", "ends_at", "note", "side", "status",
            "proposed_by", "decided_by", "created_at", "decided_at", "message",
        ]
        read_only_fields = fields


class ProposalInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Proposal.Action.choices)
    # A plain id: the service answers alike for a date that does not exist and one of another agreement.
    occurrence = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The private subscription URL (https or http)")
    webcal_url = serializers.CharField(help_text="The same URL with the webcal:// scheme, for calendar apps")


class AgreementSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="request.title", read_only=True)
    parties = serializers.SerializerMethodField()
    occurrences = OccurrenceSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "request", "title", "parties", "thread", "occurrences", "created_at"]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "array", "items": {"type": "object", "properties": {
            "role": {"type": "string", "enum": ["requester", "helper"]}, "id": {"type": "integer"},
            "display_name": {"type": "string"}, "organisation": {"type": "integer", "nullable": True}}}}
    )
    def get_parties(self, obj):
        return [
            {"role": "requester", "id": obj.requester_id, "display_name": obj.requester.display_name,
             "organisation": obj.request.organisation_id},
            {"role": "helper", "id": obj.helper_id, "display_name": obj.helper.display_name,
             "organisation": obj.helper_organisation_id},
        ]


class AgreementSummarySerializer(AgreementSerializer):
    """An agreement in a list: without its dates."""

    class Meta(AgreementSerializer.Meta):
        fields = ["id", "request", "title", "parties", "thread", "created_at"]
        read_only_fields = fields


class AgreementHistorySerializer(AgreementSerializer):
    """One agreement with its dates and every proposal made about them (pending and decided, newest first)."""

    proposals = ProposalOutputSerializer(many=True, read_only=True)

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "proposals"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    examples = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "examples"]
        read_only_fields = fields




class ReferralInputSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The organisation you act for, which passes the request on"
    )
    to_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="The partner organisation"
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    provider = serializers.ChoiceField(choices=["professional", "volunteer"])


class ReferralOutputSerializer(serializers.ModelSerializer):
    from_organisation = OrganisationRefSerializer(read_only=True)
    to_organisation = OrganisationRefSerializer(read_only=True)
    request_title = serializers.CharField(source="request.title", read_only=True)
    referred_by = serializers.CharField(source="referred_by.display_name", allow_null=True, default=None)

    class Meta:
        model = Referral
        fields = ["id", "request", "request_title", "from_organisation", "to_organisation", "referred_by", "note",
                  "status", "created_at", "decided_at"]
        read_only_fields = fields
