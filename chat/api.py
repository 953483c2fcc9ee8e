"""HTTP side of the chat: my threads, their messages (read and send), read positions, notifications."""

from urllib.parse import urlencode

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors, services
from chat.events import message_payload, payload_for
from chat.models import Notification, Thread
from chat.serializers import (
    MessageInputSerializer,
    MessageListQuerySerializer,
    MessageOutputSerializer,
    MessagePageSerializer,
    NotificationSerializer,
    ReadInputSerializer,
    ReadOutputSerializer,
    ThreadOutputSerializer,
)
from neighbours.throttles import MessageThrottle


def _thread_or_404(request, pk):
    try:
        return services.thread_enter(neighbour=request.user, thread_id=pk)
    except Thread.DoesNotExist:
        raise NotFound(_("There is no such conversation, or you are not part of it.")) from None


class ThreadListApi(generics.ListAPIView):
    serializer_class = ThreadOutputSerializer

    @extend_schema(summary="My conversations, most recent first, with unread counts and the last message")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Thread.objects.none()
        return selectors.thread_list_for(neighbour=self.request.user).select_related("subject_type").prefetch_related(
            "participations__neighbour"
        )


class ThreadDetailApi(APIView):
    @extend_schema(responses=ThreadOutputSerializer, summary="One of my conversations")
    def get(self, request, pk):
        _thread_or_404(request, pk)
        thread = (
            selectors.thread_list_for(neighbour=request.user)
            .select_related("subject_type")
            .prefetch_related("participations__neighbour")
            .get(pk=pk)
        )
        return Response(ThreadOutputSerializer(thread).data)


class MessageListCreateApi(APIView):
    throttle_classes = [MessageThrottle]

    @extend_schema(
        parameters=[MessageListQuerySerializer],
        responses=MessagePageSerializer,
        summary="Messages of a conversation: after a sequence number (oldest first), or the newest ones",
    )
    def get(self, request, pk):
        thread = _thread_or_404(request, pk)
        query = MessageListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        messages = selectors.message_list(
            thread=thread, after=query.validated_data.get("after"), before=query.validated_data.get("before"),
            limit=limit,
        )
        next_url = None
        if messages and messages[-1].seq < thread.last_seq:  # newer messages follow
            query_string = urlencode({"after": messages[-1].seq, "limit": limit})
            next_url = request.build_absolute_uri(f"{request.path}?{query_string}")
        hidden = selectors.hidden_authors(thread=thread, neighbour=request.user)
        return Response({"next": next_url, "results": [payload_for(message_payload(m), hidden) for m in messages]})

    @extend_schema(
        request=MessageInputSerializer,
        responses={201: MessageOutputSerializer, 200: MessageOutputSerializer},
        summary="Send a message (201), or get back the one already sent with this client_id (200)",
    )
    def post(self, request, pk):
        thread = _thread_or_404(request, pk)
        data = MessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message, created = services.message_send(thread_id=thread.pk, author=request.user, **data.validated_data)
        return Response(message_payload(message), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ThreadReadApi(APIView):
    @extend_schema(request=ReadInputSerializer, responses=ReadOutputSerializer,
                   summary="I have read up to this message (read positions only move forward)")
    def post(self, request, pk):
        thread = _thread_or_404(request, pk)
        data = ReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        seq = services.thread_mark_read(thread_id=thread.pk, neighbour=request.user, seq=data.validated_data["seq"])
        return Response({"seq": seq})


class NotificationListApi(generics.ListAPIView):
    serializer_class = NotificationSerializer

    @extend_schema(summary="My notifications, newest first", parameters=[
        OpenApiParameter("unread", bool, description="Only those not yet marked as read")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notification.objects.none()
        notifications = Notification.objects.filter(recipient=self.request.user).order_by("-created_at", "-pk")
        if self.request.query_params.get("unread") in {"1", "true"}:
            notifications = notifications.filter(read_at__isnull=True)
        return notifications


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Mark all my notifications as read")
    def post(self, request):
        services.notifications_mark_read(recipient=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
