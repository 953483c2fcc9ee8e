"""Channel-layer group names and broadcast helpers.

The channel layer only carries hints: whatever it delivers has been committed to the database first, and a client
that missed a hint catches up from the database. Call these from ``transaction.on_commit``, never inside a
transaction.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def neighbour_group(neighbour_id):
    """Every open connection of one neighbour."""
    return f"neighbour.{neighbour_id}"


def notify_neighbour(*, neighbour_id, payload):
    """Sends ``{"type": "notification", **payload}`` to every open connection of this neighbour."""
    async_to_sync(get_channel_layer().group_send)(
        neighbour_group(neighbour_id), {"type": "notification", "payload": payload}
    )
