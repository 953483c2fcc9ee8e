from django.conf import settings


def map_settings(request):
    return {
        "map_tiles_url": settings.DUGNAD_MAP_TILES_URL,
        "map_tiles_attribution": settings.DUGNAD_MAP_TILES_ATTRIBUTION,
    }
