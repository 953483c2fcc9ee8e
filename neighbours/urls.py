from django.urls import path

from neighbours import api

urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="register"),
    path("auth/token/", api.TokenApi.as_view(), name="token"),
    path("me/", api.MeApi.as_view(), name="me"),
    path("me/blocks/", api.BlockListApi.as_view(), name="blocks"),
    path("me/blocks/<int:neighbour_id>/", api.BlockDetailApi.as_view(), name="block-detail"),
]
