from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.utils.translation import gettext_lazy as _

from geo.models import Place, ServiceArea


@admin.register(Place)
class PlaceAdmin(GISModelAdmin):
    list_display = ["name", "municipality", "kind"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name", "municipality"]


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    """Shows the active boundary and lets an operator delete it (nothing is bounded then).

    A boundary is only ever created by ``manage.py import_boundary``, which validates and merges the polygons; the
    geometry itself (often thousands of vertices) is left out of the page.
    """

    list_display = ["name", "polygon_count", "imported_at"]
    fields = ["name", "polygon_count", "imported_at"]
    readonly_fields = fields

    @admin.display(description=_("polygons"))
    def polygon_count(self, area):
        return len(area.boundary)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
