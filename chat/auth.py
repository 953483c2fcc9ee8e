"""WebSocket handshake authentication: an API token, or the browser's session cookie."""

from channels.auth import AuthMiddlewareStack
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token

from chat.db import in_database_thread


def _user_for_authorization_header(value):
    try:
        keyword, key = value.decode("latin-1").split()
    except ValueError:
        return AnonymousUser()
    if keyword.lower() != "token":
        return AnonymousUser()
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenOrSessionAuthMiddleware:
    """Sets ``scope["user"]`` from ``Authorization: Token <key>``, else from the session cookie.

    The session cookie is only honoured on handshakes that carry an Origin header (browsers always send one, and it
    is checked against ALLOWED_HOSTS by chat.security), so a cookie can never authenticate a cross-site handshake.
    A handshake without Origin comes from a program and must bring a token.
    """

    def __init__(self, inner):
        self.inner = inner
        self.with_session = AuthMiddlewareStack(inner)

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        authorization = headers.get(b"authorization")
        if authorization is not None:
            user = await in_database_thread(_user_for_authorization_header, authorization)
            return await self.inner(dict(scope, user=user), receive, send)
        if b"origin" in headers:
            return await self.with_session(scope, receive, send)
        return await self.inner(dict(scope, user=AnonymousUser()), receive, send)
