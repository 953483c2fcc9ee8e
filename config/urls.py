from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import api, health

api_v1 = [
    path("", include("neighbours.urls")),
    path("", include("requests.urls")),
    path("", include("offers.urls")),
    path("", include("chat.urls")),
    path("geo/", include("geo.urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Last under /api/: what no API view serves is a JSON 404. Only paths ending in a slash, so that APPEND_SLASH
    # still redirects /api/v1/requests to /api/v1/requests/.
    re_path(r"^api/.*/$", api.not_found),
    path("admin/", admin.site.urls),
    path("", include("frontend.urls")),
]
