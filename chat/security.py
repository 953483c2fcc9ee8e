from channels.security.websocket import OriginValidator
from django.conf import settings


class _BrowserOriginValidator(OriginValidator):
    """Refuses handshakes whose Origin is not one of ALLOWED_HOSTS.

    Unlike Channels' validator it lets a handshake without Origin through: only programs omit it, and those are
    authenticated by token alone (see chat.auth.TokenOrSessionAuthMiddleware), so no browser cookie rides along.
    """

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


def origin_validator(application):
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
    return _BrowserOriginValidator(application, allowed_hosts)
