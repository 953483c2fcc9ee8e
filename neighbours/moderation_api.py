"""Reports and community moderation over the API (neighbours/moderation.py holds the rules)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from neighbours import moderation
from neighbours.models import Neighbour
from neighbours.serializers import (
    ModerationDecisionInputSerializer,
    ModerationDecisionOutputSerializer,
    ModerationQueueItemSerializer,
    ReportInputSerializer,
    ReportOutputSerializer,
    VerifiedOutputSerializer,
)
from neighbours.throttles import ReportThrottle


def _moderator_or_404(user):
    """The moderation area does not exist for anyone but moderators."""
    try:
        moderation.check_is_moderator(user)
    except PermissionDenied:
        raise Http404 from None


class ReportApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ReportThrottle]

    @extend_schema(
        request=ReportInputSerializer,
        responses={201: ReportOutputSerializer, 200: ReportOutputSerializer},
        summary="Report content to the community moderators",
        description="201 for a new report; 200 with the existing report when you already reported this and it is "
        "still open. 400 for something you cannot see (a message only in your own threads) or your own content.",
    )
    def post(self, request):
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report, created = moderation.report_create(reporter=request.user, **data.validated_data)
        return Response(ReportOutputSerializer(report).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ModerationQueueApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ModerationQueueItemSerializer(many=True),
                   summary="Open reports, grouped by what they are about (moderators; 404 for others)")
    def get(self, request):
        _moderator_or_404(request.user)
        items = moderation.moderation_queue(moderator=request.user)
        return Response(ModerationQueueItemSerializer(items, many=True).data)


class ModerationDecisionApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ModerationDecisionInputSerializer, responses={201: ModerationDecisionOutputSerializer},
                   summary="Decide about reported content: dismiss, hide, warn or suspend (moderators)")
    def post(self, request):
        _moderator_or_404(request.user)
        data = ModerationDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = moderation.moderation_decide(moderator=request.user, **data.validated_data)
        return Response(ModerationDecisionOutputSerializer(decision).data, status=status.HTTP_201_CREATED)


class VerifiedApi(APIView):
    permission_classes = [IsAuthenticated]

    def _neighbour(self, neighbour_id):
        neighbour = Neighbour.objects.filter(pk=neighbour_id, is_active=True).first()
        if neighbour is None:
            raise Http404
        return neighbour

    @extend_schema(request=None, responses=VerifiedOutputSerializer,
                   summary="Give a neighbour the “verified neighbour” badge (moderators; administrators of one of "
                           "their organisations)")
    def put(self, request, neighbour_id):
        neighbour = moderation.neighbour_verify(neighbour=self._neighbour(neighbour_id), by=request.user)
        return Response(VerifiedOutputSerializer(neighbour).data)

    @extend_schema(request=None, responses=VerifiedOutputSerializer, summary="Take the badge away again")
    def delete(self, request, neighbour_id):
        neighbour = moderation.neighbour_unverify(neighbour=self._neighbour(neighbour_id), by=request.user)
        return Response(VerifiedOutputSerializer(neighbour).data)
