from django.conf import settings

from chat import selectors as chat_selectors


def map_settings(request):
    return {
        "map_tiles_url": settings.DUGNAD_MAP_TILES_URL,
        "map_tiles_attribution": settings.DUGNAD_MAP_TILES_ATTRIBUTION,
    }


def inbox_counts(request):
    """Unread messages and notifications for the menu (two indexed counts per page for a signed-in neighbour)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_messages": chat_selectors.unread_total(neighbour=user),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
