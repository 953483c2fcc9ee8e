"""Thin DRF views for sessions and sign-ups (DESIGN §3): they parse, call one service or selector, and render."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from neighbours.throttles import PostThrottle
from offers import selectors, sessions
from offers.models import Session, SignUp
from offers.serializers import (
    AssistedSignUpInputSerializer,
    MySessionSignUpSerializer,
    SessionInputSerializer,
    SessionOutputSerializer,
    SessionUpdateSerializer,
    SignUpOutputSerializer,
    SignUpUpdateSerializer,
)


def _session_out(session, request):
    session = selectors.session_with_counts(session=session, viewer=request.user)
    return SessionOutputSerializer(session).data


class OfferSessionListCreateApi(generics.GenericAPIView):
    serializer_class = SessionOutputSerializer
    throttle_classes = [PostThrottle]

    def get_queryset(self):
        return Session.objects.none()  # for the schema; the list comes from the selector

    @extend_schema(responses=SessionOutputSerializer(many=True),
                   summary="Upcoming sessions of an offer, with seats left and my sign-up")
    def get(self, request, pk):
        offer = selectors.help_offer_get_visible(viewer=request.user, pk=pk)
        upcoming = selectors.session_list_upcoming_for_offer(offer=offer, viewer=request.user)
        page = self.paginate_queryset(upcoming)
        return self.get_paginated_response(SessionOutputSerializer(page, many=True).data)

    @extend_schema(request=SessionInputSerializer, responses={201: SessionOutputSerializer},
                   summary="Add a session (the offer's author or its organisation's coordinators)")
    def post(self, request, pk):
        offer = selectors.help_offer_get_visible(viewer=request.user, pk=pk)
        data = SessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = sessions.session_create(offer=offer, by=request.user, **data.validated_data)
        return HttpResponse(_session_out(session, request), status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    @extend_schema(responses=SessionOutputSerializer, summary="One session, with seats left and my sign-up")
    def get(self, request, pk):
        session = selectors.session_get_visible(viewer=request.user, pk=pk)
        return HttpResponse(_session_out(session, request))

    @extend_schema(request=SessionUpdateSerializer, responses=SessionOutputSerializer,
                   summary="Change the time, place or seats (organisers); fewer seats than people seated is a 409")
    def patch(self, request, pk):
        session = selectors.session_get_visible(viewer=request.user, pk=pk)
        data = SessionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        session = sessions.session_update(session=session, by=request.user, **data.validated_data)
        return HttpResponse(_session_out(session, request))

    @extend_schema(request=None, responses={204: None}, summary="Cancel the session (organisers); tells everyone")
    def delete(self, request, pk):
        session = selectors.session_get_visible(viewer=request.user, pk=pk)
        sessions.session_cancel(session=session, by=request.user)
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)


class SessionSignUpApi(APIView):
    throttle_classes = [PostThrottle]

    @extend_schema(responses=SignUpOutputSerializer, summary="My sign-up for this session (404 if none)")
    def get(self, request, pk):
        session = selectors.session_get_visible(viewer=request.user, pk=pk)
        signup = selectors.signup_get_mine(session=session, neighbour=request.user)
        return HttpResponse(SignUpOutputSerializer(signup).data)

    @extend_schema(request=None, responses={201: SignUpOutputSerializer, 200: SignUpOutputSerializer},
                   summary="Sign up: a seat while seats remain, else the waiting list (200 if already signed up)")
    def post(self, request, pk):
        session = selectors.session_get_visible(viewer=request.user, pk=pk)
        signup, created = sessions.signup_create(session=session, neighbour=request.user)
        return HttpResponse(SignUpOutputSerializer(signup).data,
                            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None},
                   summary="Cancel my place; the first person on the waiting list gets it")
    def delete(self, request, pk):
        session = selectors.session_get_visible(viewer=request.user, pk=pk)
        signup = selectors.signup_get_mine(session=session, neighbour=request.user)
        sessions.signup_cancel(signup=signup, by=request.user)
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)


class SessionSignUpListApi(generics.GenericAPIView):
    serializer_class = SignUpOutputSerializer
    throttle_classes = [PostThrottle]

    def get_queryset(self):
        return SignUp.objects.none()  # for the schema; the list comes from the selector

    @extend_schema(responses=SignUpOutputSerializer(many=True),
                   summary="Everyone signed up, seats first then the waiting list (organisers)")
    def get(self, request, pk):
        session = selectors.session_get_for_organiser(viewer=request.user, pk=pk)
        page = self.paginate_queryset(selectors.signup_list_for_session(session=session))
        return self.get_paginated_response(SignUpOutputSerializer(page, many=True).data)

    @extend_schema(request=AssistedSignUpInputSerializer,
                   responses={201: SignUpOutputSerializer, 200: SignUpOutputSerializer},
                   summary="Sign up a person without a device, by name and phone, for your organisation")
    def post(self, request, pk):
        session = selectors.session_get_visible(viewer=request.user, pk=pk)
        data = AssistedSignUpInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signup, created = sessions.signup_create_assisted(session=session, by=request.user, **data.validated_data)
        return HttpResponse(SignUpOutputSerializer(signup).data,
                            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SignUpDetailApi(APIView):
    @extend_schema(request=SignUpUpdateSerializer, responses=SignUpOutputSerializer,
                   summary="Mark attendance (organisers)")
    def patch(self, request, pk):
        signup = selectors.signup_get_for_manager(viewer=request.user, pk=pk)
        data = SignUpUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signup = sessions.signup_mark_attended(signup=signup, by=request.user, **data.validated_data)
        signup.position = sessions.signup_position(signup)
        return HttpResponse(SignUpOutputSerializer(signup).data)

    @extend_schema(request=None, responses={204: None},
                   summary="Cancel a place (the person, whoever signed them up, or an organiser)")
    def delete(self, request, pk):
        signup = selectors.signup_get_for_manager(viewer=request.user, pk=pk)
        sessions.signup_cancel(signup=signup, by=request.user)
        return HttpResponse(status=status.HTTP_204_NO_CONTENT)


class MySessionListApi(generics.GenericAPIView):
    serializer_class = MySessionSignUpSerializer

    def get_queryset(self):
        return SignUp.objects.none()  # for the schema; the list comes from the selector

    @extend_schema(responses=MySessionSignUpSerializer(many=True),
                   summary="My upcoming sessions: seats and waiting-list places, soonest first")
    def get(self, request):
        signups = selectors.signup_list_mine_upcoming(neighbour=request.user)
        page = self.paginate_queryset(signups)
        counted = {
            s.pk: s for s in selectors.session_annotate(
                Session.objects.filter(pk__in=[x.session_id for x in page]).select_related("offer")
            )
        }
        for signup in page:
            session = counted[signup.session_id]
            session.my_signup = signup
            signup.session = session
        return self.get_paginated_response(MySessionSignUpSerializer(page, many=True).data)
