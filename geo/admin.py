from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from geo.models import Place


@admin.register(Place)
class PlaceAdmin(GISModelAdmin):
    list_display = ["name", "municipality", "kind"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name", "municipality"]
