from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from neighbours.throttles import PostThrottle
from offers import selectors, services
from offers.feed import KINDS, feed_for
from offers.filters import HelpOfferFilter
from offers.models import HelpOffer
from offers.serializers import (
    FeedItemSerializer,
    FeedPageSerializer,
    FeedQuerySerializer,
    HelpOfferInputSerializer,
    HelpOfferOutputSerializer,
    HelpOfferUpdateSerializer,
    MatchSerializer,
    OfferAskInputSerializer,
    OfferAskOutputSerializer,
)
from requests import selectors as request_selectors
from requests.api import FORMAT_PARAMETER, GeoJSONListMixin
from requests.serializers import AgreementSerializer


class HelpOfferListCreateApi(GeoJSONListMixin, generics.ListAPIView):
    serializer_class = HelpOfferOutputSerializer
    filterset_class = HelpOfferFilter
    throttle_classes = [PostThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return HelpOffer.objects.none()
        return selectors.help_offer_list_visible(viewer=self.request.user)

    @extend_schema(parameters=[FORMAT_PARAMETER], summary="Help offers, filtered")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=HelpOfferInputSerializer, responses={201: HelpOfferOutputSerializer},
                   summary="Offer help")
    def post(self, request):
        data = HelpOfferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer = services.help_offer_create(author=request.user, **data.validated_data)
        output = HelpOfferOutputSerializer(offer, context=self.get_serializer_context())
        return HttpResponse(output.data, status=status.HTTP_201_CREATED)


class HelpOfferDetailApi(APIView):
    @extend_schema(responses=HelpOfferOutputSerializer, summary="One help offer")
    def get(self, request, pk):
        offer = selectors.help_offer_get_visible(viewer=request.user, pk=pk)
        return HttpResponse(HelpOfferOutputSerializer(offer, context={"request": request}).data)

    @extend_schema(request=HelpOfferUpdateSerializer, responses=HelpOfferOutputSerializer,
                   summary="Change my offer (also pause or close it)")
    def patch(self, request, pk):
        offer = selectors.help_offer_get_visible(viewer=request.user, pk=pk)
        data = HelpOfferUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        offer = services.help_offer_update(offer=offer, editor=request.user, **data.validated_data)
        return HttpResponse(HelpOfferOutputSerializer(offer, context={"request": request}).data)

    @extend_schema(request=None, responses={204: None}, summary="Close my offer")
    def delete(self, request, pk):
        offer = selectors.help_offer_get_visible(viewer=request.user, pk=pk)
        services.help_offer_update(offer=offer, editor=request.user, status=offer.Status.CLOSED)
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)


class RequestMatchesApi(APIView):
    @extend_schema(responses=MatchSerializer(many=True),
                   summary="Active offers that fit my request: same kind, covering it, available first, nearest first")
    def get(self, request, pk):
        help_request = request_selectors.help_request_get_visible(viewer=request.user, pk=pk)
        if help_request.author_id != request.user.pk:
            raise PermissionDenied(_("Only the person who asked can see the matching offers."))
        offers = selectors.help_offer_list_matching(help_request=help_request, viewer=request.user)
        return HttpResponse(MatchSerializer(offers, many=True, context={"request": request}).data)


class FeedApi(APIView):
    page_size = 50

    @extend_schema(parameters=[FeedQuerySerializer], responses=FeedPageSerializer,
                   summary="My feed: open requests, active offers and upcoming sessions near home, and from followed "
                           "organisations")
    def get(self, request):
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data
        page = options["page"]
        items = feed_for(
            neighbour=request.user,
            kinds=(options["kind"],) if "kind" in options else KINDS,
            categories=[options["category"].slug] if "category" in options else None,
            radius_km=options.get("radius_km"),
            ordering=options["ordering"],
            limit=self.page_size + 1,
            offset=(page - 1) * self.page_size,
        )
        next_url = None
        if len(items) > self.page_size:
            params = request.query_params.copy()
            params["page"] = page + 1
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        results = FeedItemSerializer(items[: self.page_size], many=True).data
        return HttpResponse({"results": results, "next": next_url})


class OfferAskListCreateApi(APIView):
    throttle_classes = [PostThrottle]

    @extend_schema(responses=OfferAskOutputSerializer(many=True),
                   summary="Requests for an offer (all for the offerer, your own for anyone else)")
    def get(self, request, pk):
        offer = selectors.help_offer_get_visible(viewer=request.user, pk=pk)
        asks = selectors.offer_ask_list(offer=offer, viewer=request.user)
        return HttpResponse(OfferAskOutputSerializer(asks, many=True).data)

    @extend_schema(request=OfferAskInputSerializer, responses={201: OfferAskOutputSerializer},
                   summary="Ask for this help (opens a thread with the offerer)")
    def post(self, request, pk):
        offer = selectors.help_offer_get_visible(viewer=request.user, pk=pk)
        data = OfferAskInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ask = services.offer_ask_create(offer=offer, asker=request.user, **data.validated_data)
        return HttpResponse(OfferAskOutputSerializer(ask).data, status=status.HTTP_201_CREATED)


class OfferAskAcceptApi(APIView):
    @extend_schema(request=None, responses={201: AgreementSerializer},
                   summary="The offerer accepts: the agreement, its thread and dates")
    def post(self, request, pk):
        ask = selectors.offer_ask_get_for_party(viewer=request.user, pk=pk)
        agreement = services.offer_ask_accept(ask=ask, by=request.user)
        return HttpResponse(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


class OfferAskDeclineApi(APIView):
    @extend_schema(request=None, responses=OfferAskOutputSerializer, summary="The offerer declines")
    def post(self, request, pk):
        ask = selectors.offer_ask_get_for_party(viewer=request.user, pk=pk)
        ask = services.offer_ask_decline(ask=ask, by=request.user)
        return HttpResponse(OfferAskOutputSerializer(ask).data)
