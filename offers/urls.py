from django.urls import path

from offers import api

urlpatterns = [
    path("offers/", api.HelpOfferListCreateApi.as_view(), name="offer-list"),
    path("offers/geojson/", api.HelpOfferListCreateApi.as_view(), {"format": "geojson"}, name="offer-geojson"),
    path("offers/<int:pk>/", api.HelpOfferDetailApi.as_view(), name="offer-detail"),
    path("requests/<int:pk>/matches/", api.RequestMatchesApi.as_view(), name="request-matches"),
    path("feed/", api.FeedApi.as_view(), name="feed"),
]
