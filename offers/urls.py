from django.urls import path

from offers import api, sessions_api

urlpatterns = [
    path("offers/", api.HelpOfferListCreateApi.as_view(), name="offer-list"),
    path("offers/geojson/", api.HelpOfferListCreateApi.as_view(http_method_names=["get", "head", "options"]),
         {"format": "geojson"}, name="offer-geojson"),
    path("offers/<int:pk>/", api.HelpOfferDetailApi.as_view(), name="offer-detail"),
    path("requests/<int:pk>/matches/", api.RequestMatchesApi.as_view(), name="request-matches"),
    path("feed/", api.FeedApi.as_view(), name="feed"),
    path("offers/<int:pk>/asks/", api.OfferAskListCreateApi.as_view(), name="offer-asks"),
    path("asks/<int:pk>/accept/", api.OfferAskAcceptApi.as_view(), name="ask-accept"),
    path("asks/<int:pk>/decline/", api.OfferAskDeclineApi.as_view(), name="ask-decline"),
]

urlpatterns += [
    path("offers/<int:pk>/sessions/", sessions_api.OfferSessionListCreateApi.as_view(), name="offer-sessions"),
    path("sessions/<int:pk>/", sessions_api.SessionDetailApi.as_view(), name="session-detail"),
    path("sessions/<int:pk>/signup/", sessions_api.SessionSignUpApi.as_view(), name="session-signup"),
    path("sessions/<int:pk>/signups/", sessions_api.SessionSignUpListApi.as_view(), name="session-signups"),
    path("signups/<int:pk>/", sessions_api.SignUpDetailApi.as_view(), name="signup-detail"),
    path("me/sessions/", sessions_api.MySessionListApi.as_view(), name="my-sessions"),
]
