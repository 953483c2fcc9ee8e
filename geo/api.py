from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from geo import services
from geo.serializers import GeocodeInputSerializer, GeocodeOutputSerializer


class GeocodeApi(APIView):
    permission_classes = [IsAuthenticated]
    # Per neighbour, so that nobody can use up the external service's shared slot (DUGNAD_RATE_GEOCODE).
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "geocode"

    @extend_schema(
        parameters=[GeocodeInputSerializer],
        responses={
            200: GeocodeOutputSerializer,
            400: OpenApiResponse(description="`q` is missing, or shorter than 2 or longer than 300 characters."),
        },
        summary="Find an address or place",
        description=(
            f"Up to {services.GEOCODE_MAX_CANDIDATES} candidate points for a free-text address or place name, best "
            "first, for a page to offer as choices: matches from the local gazetteer, or, only when it has none, "
            "the external geocoding service's best answer. Nothing found is an empty `results` list."
        ),
    )
    def get(self, request):
        data = GeocodeInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        results = services.geocode_candidates(data.validated_data["q"], limit=services.GEOCODE_MAX_CANDIDATES)
        return Response(GeocodeOutputSerializer({"results": results}).data)
