from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from neighbours import selectors, services
from neighbours.serializers import (
    BlockInputSerializer,
    BlockOutputSerializer,
    MeOutputSerializer,
    MeUpdateInputSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from neighbours.throttles import LoginEmailThrottle, LoginIPThrottle, RegisterThrottle


def _base_url(request):
    return request.build_absolute_uri("/").rstrip("/")


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [RegisterThrottle]

    @extend_schema(
        request=RegisterInputSerializer,
        responses={201: RegisterOutputSerializer},
        summary="Register a neighbour",
        description="Always answers the same way for a valid request, whether or not the address already has an "
        "account (the owner of an existing account is told by e-mail instead). Then obtain a token.",
    )
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.neighbour_register(**data.validated_data, base_url=_base_url(request))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from None
        body = {
            "email": data.validated_data["email"].lower(),
            "detail": _("Thank you. We have sent a message to this address with what to do next."),
        }
        return Response(RegisterOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class TokenApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginEmailThrottle]

    def get_authenticators(self):
        # Obtaining a token takes credentials in the body, never a session (which would need CSRF).
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer}, summary="Obtain an API token")
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = services.token_obtain(**data.validated_data, request=request)
        except services.InvalidCredentials:
            raise serializers.ValidationError(
                {"non_field_errors": [_("The e-mail address or the password is not correct.")]}
            ) from None
        return Response(TokenOutputSerializer({"token": token.key}).data)

    @extend_schema(request=None, responses={204: None}, summary="Revoke my API token (log out every API client)")
    def delete(self, request):
        if not request.user.is_authenticated:
            return Response(status=status.HTTP_401_UNAUTHORIZED)
        services.token_revoke(neighbour=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutputSerializer, summary="My profile")
    def get(self, request):
        return Response(MeOutputSerializer(request.user).data)

    @extend_schema(request=MeUpdateInputSerializer, responses=MeOutputSerializer, summary="Change my profile")
    def patch(self, request):
        data = MeUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            neighbour = services.neighbour_update_profile(neighbour=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(MeOutputSerializer(neighbour).data)


class BlockListApi(APIView):
    """The neighbours I have blocked; blocking one more."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BlockOutputSerializer(many=True), summary="Neighbours I block")
    def get(self, request):
        return Response(BlockOutputSerializer(selectors.block_list(blocker=request.user), many=True).data)

    @extend_schema(request=BlockInputSerializer, responses={201: BlockOutputSerializer}, summary="Block a neighbour")
    def post(self, request):
        data = BlockInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        block = services.block_create(blocker=request.user, blocked=data.validated_data["neighbour"])
        return Response(BlockOutputSerializer(block).data, status=status.HTTP_201_CREATED)


class BlockDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, summary="Lift a block")
    def delete(self, request, neighbour_id):
        if not services.block_delete(blocker=request.user, blocked_id=neighbour_id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)
