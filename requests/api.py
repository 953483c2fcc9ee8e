from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from geo.renderers import GeoJSONRenderer, feature_collection
from neighbours.models import Category
from neighbours.selectors import organisation_get
from neighbours.throttles import PostThrottle
from requests import referrals, selectors, services
from requests.filters import HelpRequestFilter
from requests.models import HelpRequest
from requests.serializers import (
    AgreementSerializer,
    CategorySerializer,
    HelpRequestInputSerializer,
    HelpRequestOutputSerializer,
    HelpRequestUpdateSerializer,
    OccurrenceSerializer,
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


class AgreementDetailApi(APIView):
    @extend_schema(responses=AgreementSerializer, summary="One of my agreements")
    def get(self, request, pk):
        agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
        return HttpResponse(AgreementSerializer(agreement).data)


class OccurrenceListApi(APIView):
    @extend_schema(responses=OccurrenceSerializer(many=True), summary="An agreement's dates, in order")
    def get(self, request, pk):
        agreement = selectors.agreement_get_for_party(viewer=request.user, pk=pk)
        return HttpResponse(OccurrenceSerializer(agreement.occurrences.all(), many=True).data)


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
