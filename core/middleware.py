"""Response headers Django 5.2 does not set itself, and the session's absolute lifetime."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none.

    Scripts come only from our own static files (no inline scripts, no other hosts), so an injected
    script cannot run and nothing can be loaded from outside a council's closed network.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


SIGNED_IN_AT = "signed_in_at"


def _now_timestamp() -> float:
    # Real elapsed time on Django's own session clock, not core.clock: a test server with a pinned
    # service date (SERVICE_TODAY) must not sign everyone out, and the idle timeout beside this one
    # is measured on this clock too. time_machine moves both.
    return timezone.now().timestamp()  # machine clock: see above


def note_sign_in_time(sender, request, user, **kwargs):
    """user_logged_in receiver: start the session's absolute lifetime (see the middleware below)."""
    if request is not None:
        request.session[SIGNED_IN_AT] = _now_timestamp()


class AbsoluteSessionLifetimeMiddleware:
    """End a session settings.SESSION_ABSOLUTE_TIMEOUT after sign-in, however active it has been.

    The idle timeout (SESSION_COOKIE_AGE) alone lets a session that is used now and then, or a
    stolen cookie replayed often enough, last for ever. The sign-in time is kept in the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            now = _now_timestamp()
            if signed_in_at is None:
                # A session from before this rule existed: its lifetime starts now.
                request.session[SIGNED_IN_AT] = now
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
                return self._end_session(request)
        return self.get_response(request)

    def _end_session(self, request):
        hours = int(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 3600)
        logout(request)
        messages.info(
            request,
            f"You have been signed out because you signed in more than {hours} hours ago. Sign in again to carry on.",
        )
        return redirect_to_login(request.get_full_path() if request.method == "GET" else "/")
