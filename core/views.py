import logging
import sys

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import Error as DatabaseLibraryError
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import throttle, worker
from core.middleware import with_page_headers
from core.network import client_ip
from core.roles import ROLE_DESCRIPTIONS, role_names_for
from core.text import duration_words

logger = logging.getLogger(__name__)


def account(request):
    roles = role_names_for(request.user)
    return render(
        request,
        "core/account.html",
        {"roles": [(role, ROLE_DESCRIPTIONS[role]) for role in roles]},
    )


@login_not_required
def accessibility_statement(request):
    return render(request, "core/accessibility.html", {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL})


def cookies(request):
    # Signed-in users only: the sign-in page tells visitors the same (see registration/login.html).
    return render(request, "core/cookies.html")


@login_not_required
@never_cache
@require_GET
def healthz(request):
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        worker_status = worker.status()
    # Every database error, InterfaceError ("connection already closed") included, which is not a
    # DatabaseError: any of them means this process cannot serve pages now.
    except DatabaseLibraryError:
        # Only the database failing takes a web process out of the load balancer: the worker's
        # state is reported, never a reason for 503.
        return JsonResponse({"database": "unavailable", "worker": "unknown"}, status=503)
    return JsonResponse({"database": "ok", **worker_status})


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


# The errors a database that is down, restarting or unreachable raises. Others (IntegrityError,
# ProgrammingError, DataError) are faults in the service and stay a 500.
DATABASE_OUTAGE_ERRORS = (OperationalError, InterfaceError)

# Seconds a browser or a proxy is told to wait: a PostgreSQL restart takes a few seconds.
OUTAGE_RETRY_AFTER_SECONDS = 30


def server_error(request):
    """handler500. Render the error page without touching the database, which may be what failed.

    Called by Django while it handles the exception, so sys.exc_info() is that exception. When the
    database is unreachable the answer is the 503 page ("try again in a minute"), not the 500 page:
    nothing is wrong with the service that waiting will not fix.
    """
    if isinstance(sys.exc_info()[1], DATABASE_OUTAGE_ERRORS):
        return database_unavailable(request)
    # The fault may have happened before the middleware that adds these headers ran.
    return with_page_headers(HttpResponseServerError(_page_without_database("500.html", request)))


def database_unavailable(request):
    """The GOV.UK "service unavailable" page, for a request the database could not serve."""
    response = HttpResponse(_page_without_database("503.html", request), status=503)
    response["Retry-After"] = str(OUTAGE_RETRY_AFTER_SECONDS)
    return with_page_headers(response)


def _page_without_database(template_name, request):
    # A plain context, not the request's context processors: they read the signed-in user, its
    # permissions and the messages, all loaded through the session from the database.
    return loader.get_template(template_name).render(
        {"council_name": settings.COUNCIL_NAME, "service_name": settings.SERVICE_NAME, "request": request}
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, throttled per email address and per client address.

    Requests are counted whether or not the address has an account, and the throttled answer is
    the same for both, so neither the limit nor the message says which addresses have accounts.
    """

    def form_valid(self, form):
        address = client_ip(self.request)
        if not throttle.allow_password_reset(form.cleaned_data["email"], address):
            # The address only: the email may be a guess, and logs should not collect them.
            logger.warning("Password reset throttled for client address %s", address)
            wait = duration_words(settings.PASSWORD_RESET_WINDOW.total_seconds())
            form.add_error(
                "email",
                f"You have asked for too many password reset links. Wait {wait}, then try again.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
