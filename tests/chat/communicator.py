"""Talking to the WebSocket endpoint in process, through Channels' WebsocketCommunicator, as a token holder."""

from channels.testing import WebsocketCommunicator

from config.asgi import application


async def connect(key):
    ws = WebsocketCommunicator(application, "/ws/", headers=[(b"authorization", f"Token {key}".encode())])
    connected, _ = await ws.connect()
    assert connected
    return ws


async def subscribe(ws, thread, after=0):
    """Subscribes and returns the message frames of the catch-up (everything up to the ``subscribed`` frame)."""
    await ws.send_json_to({"type": "subscribe", "thread": thread.pk, "after": after})
    frames = []
    while True:
        frame = await ws.receive_json_from(timeout=5)
        if frame["type"] == "subscribed":
            return frames
        frames.append(frame)
