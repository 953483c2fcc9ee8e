from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class MessageOutputSerializer(serializers.Serializer):
    """Documents the message shape; the data itself comes from ``chat.events.message_payload`` (the same dict the
    WebSocket sends)."""

    type = serializers.CharField(default="message")
    thread = serializers.IntegerField()
    seq = serializers.IntegerField()
    id = serializers.IntegerField()
    author = AuthorSerializer(allow_null=True)
    kind = serializers.ChoiceField(choices=["text", "proposal", "system"])
    body = serializers.CharField()
    data = serializers.DictField()
    client_id = serializers.UUIDField(allow_null=True)
    sent_at = serializers.DateTimeField()
    hidden = serializers.BooleanField(
        required=False,
        help_text=_("Only on hidden messages (true): a message a community moderator hid (for everyone; the body "
                    "says so), or in a group conversation a message by someone you blocked or who blocked you (empty "
                    "body)."),
    )
    hidden_reason = serializers.ChoiceField(
        choices=["moderator", "you_blocked"], allow_null=True, required=False,
        help_text=_('"moderator" when a community moderator hid it; "you_blocked" when you blocked the author (who '
                    'is then named); otherwise null and no author.'),
    )


class MessagePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = MessageOutputSerializer(many=True)


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
    client_id = serializers.UUIDField(
        required=False, help_text=_("Chosen by the client; sending the same one again never stores a second message.")
    )


class MessageListQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, required=False)
    before = serializers.IntegerField(min_value=1, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)

    def validate(self, attrs):
        if "after" in attrs and "before" in attrs:
            raise serializers.ValidationError(_("Give either after or before, not both."))
        return attrs


class ReadInputSerializer(serializers.Serializer):
    seq = serializers.IntegerField(min_value=0)


class ReadOutputSerializer(serializers.Serializer):
    seq = serializers.IntegerField()


class ParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="neighbour_id")
    display_name = serializers.CharField(source="neighbour.display_name")
    last_read_seq = serializers.IntegerField()


class LastMessageSerializer(serializers.Serializer):
    body = serializers.CharField()
    kind = serializers.CharField()
    author_name = serializers.CharField(allow_null=True)


class ThreadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    subject = serializers.SerializerMethodField()
    participants = ParticipantSerializer(source="participations.all", many=True)
    last_seq = serializers.IntegerField()
    last_read_seq = serializers.IntegerField()
    unread = serializers.IntegerField()
    last_message = serializers.SerializerMethodField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_subject(self, thread) -> dict | None:
        if thread.subject_type_id is None:
            return None
        return {"type": thread.subject_type.model, "id": thread.subject_id}

    def get_last_message(self, thread) -> LastMessageSerializer(allow_null=True):
        if thread.last_body is None:
            return None
        return {"body": thread.last_body, "kind": thread.last_kind, "author_name": thread.last_author_name}


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    payload = serializers.DictField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
