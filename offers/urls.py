from django.urls import path

from offers import api

urlpatterns = [
    path("offers/", api.HelpOfferListCreateApi.as_view(), name="offer-list"),
    path("offers/geojson/", api.HelpOfferListCreateApi.as_view(), {"format": "geojson"}, name="offer-geojson"),
    path("offers/<int:pk>/", api.HelpOfferDetailApi.as_view(), name="offer-detail"),
    path("requests/<int:pk>/matches/", api.RequestMatchesApi.as_view(), name="request-matches"),
    path("feed/", api.FeedApi.as_view(), name="feed"),
    path("offers/<int:pk>/asks/", api.OfferAskListCreateApi.as_view(), name="offer-asks"),
    path("asks/<int:pk>/accept/", api.OfferAskAcceptApi.as_view(), name="ask-accept"),
    path("asks/<int:pk>/decline/", api.OfferAskDeclineApi.as_view(), name="ask-decline"),
]
