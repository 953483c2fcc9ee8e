from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from neighbours import data as personal_data
from neighbours import selectors, services
from neighbours.models import Organisation
from neighbours.serializers import (
    BlockInputSerializer,
    BlockOutputSerializer,
    FollowOutputSerializer,
    InvitationInputSerializer,
    InvitationOutputSerializer,
    MeDeleteInputSerializer,
    MemberListOutputSerializer,
    MembershipOutputSerializer,
    MemberUpdateInputSerializer,
    MeOutputSerializer,
    MeUpdateInputSerializer,
    OrganisationFilterSerializer,
    OrganisationInputSerializer,
    OrganisationOutputSerializer,
    OrganisationUpdateSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from neighbours.throttles import (
    LoginEmailThrottle,
    LoginIPThrottle,
    PasswordConfirmThrottle,
    PostThrottle,
    RegisterThrottle,
)


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
        except services.InvalidCredentials as exc:
            raise serializers.ValidationError({"non_field_errors": [exc.message]}) from None
        return Response(TokenOutputSerializer({"token": token.key}).data)

    @extend_schema(request=None, responses={204: None}, summary="Revoke my API token (log out every API client)")
    def delete(self, request):
        if not request.user.is_authenticated:
            return Response(status=status.HTTP_401_UNAUTHORIZED)
        services.token_revoke(neighbour=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    def get_throttles(self):
        return [PasswordConfirmThrottle()] if self.request.method == "DELETE" else super().get_throttles()

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

    @extend_schema(
        request=MeDeleteInputSerializer,
        responses={
            204: None,
            400: OpenApiResponse(description="The password is missing or not correct."),
            429: OpenApiResponse(description="Too many password attempts on this account (shared with logging in)."),
            409: OpenApiResponse(description="The last administrator of an organisation with other members: hand "
                                 "over first. Or an organisation of theirs alone still has open posts."),
        },
        summary="Erase my account",
        description="Deletes the account for good, after checking the password: posts, answers, agreements, "
        "follows, blocks, notifications and the API token go with it; places in upcoming sessions are given up; "
        "messages stay in the other people's threads without an author.",
    )
    def delete(self, request):
        data = MeDeleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        personal_data.neighbour_erase(neighbour=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeExportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        summary="Download my data",
        description="Everything Dugnad holds about me, as one JSON document (sent as a file to save).",
    )
    def get(self, request):
        body = personal_data.neighbour_export(neighbour=request.user)
        disposition = f'attachment; filename="{personal_data.export_filename()}"'
        return Response(body, headers={"Content-Disposition": disposition})


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


ORGANISATION_FILTERS = [
    OpenApiParameter("kind", str, enum=[value for value, _label in Organisation.Kind.choices]),
    OpenApiParameter("q", str, description="A part of the name"),
    OpenApiParameter("near", str, description="“lat,lon”: organisations located within radius_km of this point, "
                                              "nearest first"),
    OpenApiParameter("radius_km", float, description="With near; default 10"),
]


class _PostThrottledMixin:
    """Creating things (organisations, e-mail invitations) counts against the posting rate limit; reading does not."""

    throttle_classes = [PostThrottle]

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []


class OrganisationListCreateApi(_PostThrottledMixin, generics.ListAPIView):
    serializer_class = OrganisationOutputSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Organisation.objects.none()
        filters = OrganisationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.organisation_list(viewer=self.request.user, **filters.validated_data)

    @extend_schema(parameters=ORGANISATION_FILTERS, summary="Organisations, filtered")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=OrganisationInputSerializer, responses={201: OrganisationOutputSerializer},
                   summary="Create an organisation (you become its administrator)")
    def post(self, request):
        data = OrganisationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organisation = services.organisation_create(created_by=request.user, **data.validated_data)
        organisation = selectors.organisation_get(viewer=request.user, pk=organisation.pk)
        return Response(OrganisationOutputSerializer(organisation).data, status=status.HTTP_201_CREATED)


class OrganisationDetailApi(APIView):
    @extend_schema(responses=OrganisationOutputSerializer, summary="One organisation")
    def get(self, request, pk):
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        return Response(OrganisationOutputSerializer(organisation).data)

    @extend_schema(request=OrganisationUpdateSerializer, responses=OrganisationOutputSerializer,
                   summary="Change the organisation's profile (administrators)")
    def patch(self, request, pk):
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        data = OrganisationUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.organisation_update(organisation=organisation, by=request.user, **data.validated_data)
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        return Response(OrganisationOutputSerializer(organisation).data)

    @extend_schema(request=None, responses={204: None},
                   summary="Delete the organisation (administrators; 409 while it has open requests, active "
                           "offers or agreements)")
    def delete(self, request, pk):
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        services.organisation_delete(organisation=organisation, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListApi(_PostThrottledMixin, APIView):
    @extend_schema(responses=MemberListOutputSerializer,
                   summary="Members (everyone with roles for members; administrators and coordinators for others)")
    def get(self, request, pk):
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        members = selectors.member_list(organisation=organisation, viewer=request.user)
        body = {
            "member_count": selectors.member_count(organisation=organisation),
            "full_list": organisation.my_role is not None,
            "members": members,
        }
        return Response(MemberListOutputSerializer(body).data)

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationOutputSerializer},
                   summary="Invite someone by e-mail to join (administrators)")
    def post(self, request, pk):
        return _invite(request, pk)


def _invite(request, pk):
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    data = InvitationInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    if data.validated_data["link"]:
        invitation = services.invitation_link_create(organisation=organisation, by=request.user)
    else:
        invitation = services.invitation_create(
            organisation=organisation, by=request.user, email=data.validated_data["email"],
            role=data.validated_data["role"], base_url=_base_url(request),
        )
    return Response(InvitationOutputSerializer(invitation, context={"request": request}).data,
                    status=status.HTTP_201_CREATED)


class MemberDetailApi(APIView):
    @extend_schema(request=MemberUpdateInputSerializer, responses=MembershipOutputSerializer,
                   summary="Change a member's role, or hand over the administrator role (administrators)")
    def patch(self, request, pk, neighbour_id):
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        data = MemberUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["step_down"] and data.validated_data["role"] == "admin":
            membership = services.admin_transfer(
                organisation=organisation, by=request.user, to_neighbour_id=neighbour_id, step_down=True
            )
        else:
            membership = services.membership_set_role(
                organisation=organisation, neighbour_id=neighbour_id, role=data.validated_data["role"],
                by=request.user,
            )
        return Response(MembershipOutputSerializer(membership).data)

    @extend_schema(request=None, responses={204: None},
                   summary="Remove a member (administrators), or leave (yourself)")
    def delete(self, request, pk, neighbour_id):
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        services.membership_remove(organisation=organisation, neighbour_id=neighbour_id, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListApi(_PostThrottledMixin, APIView):
    @extend_schema(responses=InvitationOutputSerializer(many=True),
                   summary="The organisation's open invitations (administrators)")
    def get(self, request, pk):
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        invitations = selectors.invitation_list(organisation=organisation, viewer=request.user)
        return Response(InvitationOutputSerializer(invitations, many=True, context={"request": request}).data)

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationOutputSerializer},
                   summary="Invite by e-mail, or get the reusable join link with {\"link\": true} (administrators)")
    def post(self, request, pk):
        return _invite(request, pk)


class InvitationAcceptApi(APIView):
    @extend_schema(request=None, responses={200: MembershipOutputSerializer},
                   summary="Join with an invitation (409 when it is expired, revoked or used)")
    def post(self, request, token):
        invitation = selectors.invitation_get_by_token(token=token)
        membership = services.invitation_accept(invitation=invitation, neighbour=request.user)
        return Response(MembershipOutputSerializer(membership).data)


class InvitationDetailApi(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Revoke an invitation (administrators)")
    def delete(self, request, pk):
        invitation = selectors.invitation_get_for_admin(viewer=request.user, pk=pk)
        services.invitation_revoke(invitation=invitation, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowApi(APIView):
    @extend_schema(request=None, responses={200: FollowOutputSerializer, 201: FollowOutputSerializer},
                   summary="Follow an organisation (201 the first time, 200 after)")
    def post(self, request, pk):
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        follow, created = services.follow_create(neighbour=request.user, organisation=organisation)
        return Response(FollowOutputSerializer(follow).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None}, summary="Stop following an organisation")
    def delete(self, request, pk):
        organisation = selectors.organisation_get(viewer=request.user, pk=pk)
        services.follow_delete(neighbour=request.user, organisation=organisation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyFollowListApi(APIView):
    @extend_schema(responses=FollowOutputSerializer(many=True), summary="Organisations I follow")
    def get(self, request):
        return Response(FollowOutputSerializer(selectors.follow_list(neighbour=request.user), many=True).data)
