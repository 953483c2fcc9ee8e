from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from geo.serializers import LatLonField
from neighbours.models import Category, Language, Neighbour, NotifyFrequency


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
