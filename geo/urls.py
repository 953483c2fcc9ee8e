from django.urls import path

from geo import api

urlpatterns = [
    path("geocode/", api.GeocodeApi.as_view(), name="geocode"),
]
