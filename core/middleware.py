"""Response headers Django 5.2 does not set itself, a guard on request bodies, and the session's
absolute lifetime."""

from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user, logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from core.text import duration_words


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
        lifetime = duration_words(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds())
        logout(request)
        messages.info(
            request,
            f"You have been signed out because you signed in more than {lifetime} ago. Sign in again to carry on.",
        )
        return redirect_to_login(request.get_full_path() if request.method == "GET" else "/")


# A form's own fields (the plan chosen, a title, the CSRF token) travel beside the file.
UPLOAD_FORM_MARGIN_BYTES = 64 * 1024


def upload_view(permission):
    """Mark a view as one that accepts a file, and name the permission a sender must hold.

    RequestBodyGuardMiddleware reads the mark to decide, before any byte of the body is read, who
    may send a body to this URL and how large it may be.
    """

    def mark(view):
        view.upload_permission = permission
        return view

    return mark


def _user_from_session(request):
    """The signed-in user, looked up from the session cookie as the session and auth middleware would.

    Used only for requests that send a body to an upload URL or that are refused, so every other
    request pays nothing for it.
    """
    engine = import_module(settings.SESSION_ENGINE)
    request.session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    request.user = get_user(request)
    return request.user


class RequestBodyGuardMiddleware:
    """Refuse a request body before anything reads it (first in MIDDLEWARE).

    CsrfViewMiddleware reads request.POST, which parses a whole multipart upload and spools it to a
    temporary file, long before the view or the sign-in check runs. So, looking only at the headers:
    - a body sent chunked is refused with 411: Django would not read it anyway (it reads only
      Content-Length bytes), and a proxy in front may have let it through unmeasured;
    - on an upload URL, a body from anyone not signed in is sent to sign in, and a body from someone
      without the upload permission gets 403;
    - a body larger than the URL allows gets 413: upload URLs allow IMPORT_MAX_UPLOAD_BYTES plus a
      margin for the form's other fields; every other URL allows DATA_UPLOAD_MAX_MEMORY_SIZE plus
      the same margin (no other page takes files).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        # Chunked with a Content-Length too is refused as well: the two disagree about where the body ends.
        if "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
            return self._refuse(request, "411.html", 411, {})
        length_text = meta.get("CONTENT_LENGTH") or ""
        try:
            length = int(length_text) if length_text else 0
        except ValueError:
            length = -1
        if length < 0:
            return HttpResponseBadRequest("Content-Length must be a whole number of bytes")
        if length == 0:
            return self.get_response(request)

        permission = self._upload_permission(request.path_info)
        if permission:
            user = _user_from_session(request)
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_perm(permission):
                return self._refuse(request, "403.html", 403, {})
            allowed = settings.IMPORT_MAX_UPLOAD_BYTES
        else:
            allowed = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if allowed is None:
                return self.get_response(request)
        if length > allowed + UPLOAD_FORM_MARGIN_BYTES:
            context = {"max_mb": f"{allowed / (1024 * 1024):g}", "is_upload": bool(permission)}
            return self._refuse(request, "413.html", 413, context)
        return self.get_response(request)

    @staticmethod
    def _upload_permission(path):
        try:
            match = resolve(path)
        except Resolver404:
            return None
        return getattr(match.func, "upload_permission", None)

    @staticmethod
    def _refuse(request, template, status, context):
        if not hasattr(request, "user"):
            _user_from_session(request)  # so the page's header shows who is signed in
        # This answer skips the middleware below that would add the headers.
        return with_page_headers(render(request, template, context, status=status))


def with_page_headers(response):
    """The headers the middleware adds to every page, for an answer made before or outside it (a
    refused body, the error pages): not stored, not sniffed, not framed, the same script policy."""
    patch_cache_control(response, no_store=True, private=True)
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    if getattr(settings, "CONTENT_SECURITY_POLICY", ""):
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
    return response


class NoStoreForSignedInMiddleware:
    """Tell browsers and proxies not to keep any response to a signed-in user.

    Every page and download shows council data about children's services; a shared computer's
    cache or a proxy must not keep a copy after the person signs out. Static files are served by
    WhiteNoise before this runs and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


def passive_request(view=None, *, when_param=""):
    """Mark a view that a page calls by itself (the import status page's polling): its requests do
    not count as the person using the service, so they never push the session's idle timeout on.
    With when_param, only requests whose query string has that parameter are passive (a page's own
    meta refresh, told apart from a person opening the page)."""

    def mark(view):
        view.passive_request = when_param or True
        return view

    return mark(view) if view is not None else mark


def is_passive(request) -> bool:
    match = getattr(request, "resolver_match", None)
    passive = getattr(match.func, "passive_request", False) if match is not None else False
    return passive is True or (bool(passive) and passive in request.GET)


IDLE_TOUCHED_AT = "_idle_touched_at"


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, with the idle timeout pushed on by the person's own requests, at most once a
    SESSION_IDLE_TOUCH_SECONDS: saving the session on every request (SESSION_SAVE_EVERY_REQUEST) costs
    a database write on every page view, for an expiry that moves by seconds. So a session may end up
    to that long before the full idle timeout, never after it.

    A passive request (see passive_request: a status page's polling) never saves the session nor
    re-sends its cookie, so a page left open does not keep a session alive for ever. The session is
    still read, so the request is signed in or sent to sign in."""

    def process_response(self, request, response):
        if response.status_code >= 500:
            # Nothing is saved on an error page (Django's own rule), so leave the session unread: on
            # the database-outage page (503) reading it would try the database again and fail inside
            # the error handling, turning the 503 into a 500.
            return super().process_response(request, response)
        if is_passive(request):
            patch_vary_headers(response, ("Cookie",))
            return response
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and SIGNED_IN_AT in session:
            now = _now_timestamp()
            last = session.get(IDLE_TOUCHED_AT)
            if not isinstance(last, (int, float)) or now - last >= settings.SESSION_IDLE_TOUCH_SECONDS:
                session[IDLE_TOUCHED_AT] = now  # modified: Django saves it with a fresh expiry
        return super().process_response(request, response)
