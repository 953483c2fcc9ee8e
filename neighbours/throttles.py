"""DRF throttles backed by neighbours.ratelimit, so API and HTML forms share one count."""

from rest_framework.throttling import BaseThrottle

from neighbours import ratelimit
from neighbours.models import normalise_email


class _ScopedThrottle(BaseThrottle):
    scope = None

    def get_key(self, request):
        raise NotImplementedError

    def allow_request(self, request, view):
        key = self.get_key(request)
        if key is None:
            return True
        self._wait = ratelimit.hit(self.scope, key)
        return self._wait is None

    def wait(self):
        return self._wait


class LoginIPThrottle(_ScopedThrottle):
    """Login attempts per client address."""

    scope = "login"

    def get_key(self, request):
        return ratelimit.client_ip(request)


class LoginEmailThrottle(_ScopedThrottle):
    """Login attempts per account, whatever address they come from (slows password guessing from many hosts)."""

    scope = "login_email"

    def get_key(self, request):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        return normalise_email(email) if isinstance(email, str) and email else None


class RegisterThrottle(_ScopedThrottle):
    scope = "register"

    def get_key(self, request):
        return ratelimit.client_ip(request)


class PostThrottle(_ScopedThrottle):
    """New requests, offers and responses per neighbour (only POSTs count)."""

    scope = "post"

    def get_key(self, request):
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        return f"user:{request.user.pk}"


class MessageThrottle(_ScopedThrottle):
    """Chat messages per neighbour; the WebSocket consumer counts in the same scope."""

    scope = "message"

    def get_key(self, request):
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        return f"user:{request.user.pk}"


class PasswordConfirmThrottle(_ScopedThrottle):
    """Password confirmations of a logged-in neighbour (erasing the account) count as login attempts on their
    account: a stolen token must not become a way to guess the password."""

    scope = "login_email"

    def get_key(self, request):
        return request.user.email if request.user.is_authenticated else None


class ReportThrottle(_ScopedThrottle):
    """Reports per neighbour, so that the moderators' queue cannot be flooded."""

    scope = "report"

    def get_key(self, request):
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        return f"user:{request.user.pk}"
