from django.http import HttpResponse as DjangoHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from geo.renderers import GeoJSONRenderer, feature_collection
from neighbours.models import Category
from neighbours.selectors import organisation_get
from neighbours.throttles import PostThrottle
from requests import agreements, referrals, selectors, services
from requests.calendar import agreement_ics
from requests.filters import HelpRequestFilter
from requests.models import Agreement, HelpRequest
from requests.serializers import (
    AgreementHistorySerializer,
    AgreementSerializer,
    AgreementSummarySerializer,
    CalendarFeedSerializer,
    CategorySerializer,
    HelpRequestInputSerializer,
    HelpRequestOutputSerializer,
    HelpRequestUpdateSerializer,
    OccurrenceSerializer,
    ProposalInputSerializer,
    ProposalOutputSerializer,
    ReferralInputSerializer,
    ReferralOutputSerializer,
    ResponseInputSerializer,
    ResponseOutputSerializer,
)

FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["json", "geojson"], description="geojson: a FeatureCollection of approximate points"
)


class CategoryListApi(APIView):
    @extend_schema(responses=CategorySerializer(many=True), summary="The kinds of help, with translated names")
    def get(self, request):
        return HttpResponse(CategorySerializer(Category.objects.all(), many=True).data)


class GeoJSONListMixin:
    """Lists that also answer ``?format=geojson`` (or the ``…/geojson/`` path) with approximate points."""

    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "geojson":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "approximate_only": True}
        items = self.get_serializer_class()(page, many=True, context=context).data
        return HttpResponse(feature_collection(items, next_url=self.paginator.get_next_link()))


class HelpRequestListCreateApi(GeoJSONListMixin, generics.ListAPIView):
    serializer_class = HelpRequestOutputSerializer
    filterset_class = HelpRequestFilter
    throttle_classes = [PostThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return HelpRequest.objects.none()
        return selectors.help_request_list_visible(viewer=self.request.user)

    @extend_schema(parameters=[FORMAT_PARAMETER], summary="Help requests I may see, filtered")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=HelpRequestInputSerializer, responses={201: HelpRequestOutputSerializer},
                   summary="Ask for help")
    def post(self, request):
        data = HelpRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        help_request = services.help_request_create(author=request.user, **data.validated_data)
        output = HelpRequestOutputSerializer(help_request, context=self.get_serializer_context())
        return HttpResponse(output.data, status=status.HTTP_201_CREATED)


class HelpRequestDetailApi(APIView):
    @extend_schema(responses=HelpRequestOutputSerializer, summary="One help request")
    def get(self, request, pk):
        help_request = selectors.help_request_get_visible(viewer=request.user, pk=pk)
        return HttpResponse(HelpRequestOutputSerializer(help_request, context={"request": request}).data)

    @extend_schema(request=HelpRequestUpdateSerializer, responses=HelpRequestOutputSerializer,
                   summary="Change my open request")
    def patch(self, request, pk):
        help_request = selectors.help_request_get_visible(viewer=request.user, pk=pk)
        data = HelpRequestUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        help_request = services.help_request_update(
            help_request=help_request, editor=request.user, **data.validated_data
        )
        return HttpResponse(HelpRequestOutputSerializer(help_request, context={"request": request}).data)

    @extend_schema(request=None, responses={204: None}, summary="Cancel my request")
    def delete(self, request, pk):
        help_request = selectors.help_request_get_visible(viewer=request.user, pk=pk)
        services.help_request_cancel(help_request=help_request, by=request.user)
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)


class ResponseListCreateApi(APIView):
    throttle_classes = [PostThrottle]

    @extend_schema(responses=ResponseOutputSerializer(many=True),
                   summary="Answers to a request (all for its author, your own for anyone else)")
    def get(self, request, pk):
        help_request = selectors.help_request_get_visible(viewer=request.user, pk=pk)
        responses = selectors.response_list_for_request(help_request=help_request, viewer=request.user)
        return HttpResponse(ResponseOutputSerializer(responses, many=True).data)

    @extend_schema(request=ResponseInputSerializer, responses={201: ResponseOutputSerializer},
                   summary="I can help")
    def post(self, request, pk):
        help_request = selectors.help_request_get_visible(viewer=request.user, pk=pk)
        data = ResponseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        response = services.response_create(help_request=help_request, responder=request.user,
                                            **data.validated_data)
        return HttpResponse(ResponseOutputSerializer(response).data, status=status.HTTP_201_CREATED)


class ResponseAcceptApi(APIView):
    @extend_schema(request=None, responses={201: AgreementSerializer},
                   summary="Accept an answer: the agreement, its thread and dates")
    def post(self, request, pk):
        response = selectors.response_get_for_requester(viewer=request.user, pk=pk)
        agreement = services.response_accept(response=response, by=request.user)
        return HttpResponse(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


class AgreementListApi(generics.ListAPIView):
    serializer_class = AgreementSummarySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Agreement.objects.none()
        return selectors.agreement_list_for(viewer=self.request.user)

    @extend_schema(summary="My agreements (as requester or helper, or for an organisation I act for)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AgreementDetailApi(APIView):
    @extend_schema(responses=AgreementHistorySerializer,
                   summary="One of my agreements, with its dates and the history of proposals")
    def get(self, request, pk):
        agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
        return HttpResponse(AgreementHistorySerializer(agreement).data)


class OccurrenceListApi(APIView):
    @extend_schema(responses=OccurrenceSerializer(many=True), summary="An agreement's dates, in order")
    def get(self, request, pk):
        agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
        return HttpResponse(OccurrenceSerializer(agreement.occurrences.all(), many=True).data)


class ProposalListCreateApi(APIView):
    throttle_classes = [PostThrottle]

    @extend_schema(responses=ProposalOutputSerializer(many=True),
                   summary="Proposals about an agreement's dates (pending and decided), newest first")
    def get(self, request, pk):
        agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
        proposals = selectors.proposal_list_for_agreement(agreement=agreement)
        return HttpResponse(ProposalOutputSerializer(proposals, many=True).data)

    @extend_schema(request=ProposalInputSerializer, responses={201: ProposalOutputSerializer},
                   summary="Propose to move, skip or add a date (nothing changes until the other side accepts)")
    def post(self, request, pk):
        agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
        data = ProposalInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = agreements.proposal_create(agreement=agreement, proposed_by=request.user, **data.validated_data)
        return HttpResponse(ProposalOutputSerializer(proposal).data, status=status.HTTP_201_CREATED)


class _ProposalActionApi(APIView):
    action_service = None

    def post(self, request, pk):
        proposal = selectors.proposal_get_for_party(viewer=request.user, pk=pk)
        proposal = type(self).action_service(proposal=proposal, by=request.user)
        return HttpResponse(ProposalOutputSerializer(proposal).data)


class ProposalAcceptApi(_ProposalActionApi):
    action_service = staticmethod(agreements.proposal_accept)

    @extend_schema(request=None, responses=ProposalOutputSerializer,
                   summary="Accept a proposal of the other side: the date changes")
    def post(self, request, pk):
        return super().post(request, pk)


class ProposalDeclineApi(_ProposalActionApi):
    action_service = staticmethod(agreements.proposal_decline)

    @extend_schema(request=None, responses=ProposalOutputSerializer,
                   summary="Decline a proposal of the other side: nothing changes")
    def post(self, request, pk):
        return super().post(request, pk)


class ProposalWithdrawApi(_ProposalActionApi):
    action_service = staticmethod(agreements.proposal_withdraw)

    @extend_schema(request=None, responses=ProposalOutputSerializer, summary="Take back my pending proposal")
    def post(self, request, pk):
        return super().post(request, pk)


class ICalendarRenderer(BaseRenderer):
    """text/calendar: the body is written by requests.calendar; errors are shown as their plain text."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            data = data.get("detail", "")
        return str(data).encode(self.charset)


def calendar_response(text, *, filename):
    response = DjangoHttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response


class AgreementCalendarApi(APIView):
    renderer_classes = [ICalendarRenderer, JSONRenderer]

    @extend_schema(responses={(200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR)},
                   summary="The agreement's dates as an iCalendar file (one event per date, stable UIDs)")
    def get(self, request, pk):
        agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
        text = agreement_ics(agreement=agreement, base_url=request.build_absolute_uri("/").rstrip("/"))
        return calendar_response(text, filename=f"agreement-{agreement.pk}.ics")


def feed_urls(request, feed):
    url = request.build_absolute_uri(reverse("frontend:calendar_feed", args=[feed.token]))
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


class CalendarFeedApi(APIView):
    @extend_schema(request=None, responses={201: CalendarFeedSerializer},
                   summary="Make (or renew) my private subscription URL; a previous one stops working")
    def post(self, request, pk):
        agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
        feed = agreements.calendar_feed_rotate(agreement=agreement, neighbour=request.user)
        return HttpResponse(CalendarFeedSerializer(feed_urls(request, feed)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, summary="Stop my private subscription URL")
    def delete(self, request, pk):
        agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
        agreements.calendar_feed_revoke(agreement=agreement, neighbour=request.user)
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)
class ReferralCreateApi(APIView):
    throttle_classes = [PostThrottle]

    @extend_schema(request=ReferralInputSerializer, responses={201: ReferralOutputSerializer},
                   summary="Pass an open request on to a partner organisation (its administrators and coordinators)")
    def post(self, request, pk):
        help_request = selectors.help_request_get_visible(viewer=request.user, pk=pk)
        data = ReferralInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = referrals.referral_create(
            help_request=help_request, from_organisation=data.validated_data["organisation"],
            to_organisation=data.validated_data["to_organisation"], referred_by=request.user,
            note=data.validated_data.get("note", ""),
        )
        return HttpResponse(ReferralOutputSerializer(referral).data, status=status.HTTP_201_CREATED)


class OrganisationReferralListApi(APIView):
    @extend_schema(responses=ReferralOutputSerializer(many=True),
                   summary="Requests passed on to this organisation: its inbox (administrators and coordinators)")
    def get(self, request, pk):
        organisation = organisation_get(viewer=request.user, pk=pk)
        inbox = referrals.referral_inbox(organisation=organisation, viewer=request.user)
        return HttpResponse(ReferralOutputSerializer(inbox, many=True).data)


class ReferralDeclineApi(APIView):
    @extend_schema(request=None, responses=ReferralOutputSerializer,
                   summary="Decline a request passed on to your organisation")
    def post(self, request, pk):
        referral = referrals.referral_get_for_partner(viewer=request.user, pk=pk)
        referral = referrals.referral_decline(referral=referral, by=request.user)
        return HttpResponse(ReferralOutputSerializer(referral).data)
