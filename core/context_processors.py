from django.conf import settings
from django.urls import reverse

from core.roles import is_admin
from core.text import duration_words


def _navigation(request):
    """Service navigation items the signed-in user may use.

    Reads the user's permissions, which are cached on the user object: one query a request
    (core.auth_backends) however many items there are.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("core.use_service"):
        return []
    items = [("Dashboard", reverse("home"), "home")]
    # The headline page (issue 14): progress since the latest monitoring visit, and the briefs published from it.
    items.append(("Progress", reverse("progress"), "progress"))
    if user.has_perm("improvement.view_plan"):
        items.append(("Plan", reverse("improvement:plan"), "improvement"))
    if user.has_perm("improvement.view_risk"):
        items.append(("Risks", reverse("improvement:risk_list"), "risks"))
    if user.has_perm("indicators.view_indicator"):
        items.append(("Indicators", reverse("indicators:scorecard"), "indicators"))
    if user.has_perm("meetings.view_meeting"):
        items.append(("Meetings", reverse("meetings:board_list"), "meetings"))
    if user.has_perm("core.run_imports"):
        items.append(("Import", reverse("imports:start"), "imports"))
    if is_admin(user):
        # One entry for every page an admin keeps the service with (users, audit log, definitions...).
        items.append(("Admin", reverse("admin_area"), "admin"))
    match = getattr(request, "resolver_match", None)
    current = _section(match)
    # The risk register lives in the plan's app but has its own item: only one item is current.
    if current == "improvement" and (match.url_name or "").startswith("risk_"):
        current = "risks"
    return [{"label": label, "url": url, "current": key == current} for label, url, key in items]


# Admin pages of their own apps that the "Admin" entry stays marked as current on.
_ADMIN_NAMESPACES = {"users", "audit"}
_ADMIN_URL_NAMES = {
    "admin_area",
    "definition_list",
    "definition_create",
    "definition_update",
    "target_list",
    "target_create",
    "target_update",
}


# The progress page, its print view and the visit briefs published from it.
_PROGRESS_URL_NAMES = {"progress", "progress_print", "progress_publish", "published_visit_brief"}


def _section(match) -> str:
    if match is None:
        return ""
    if match.url_name in _PROGRESS_URL_NAMES:
        return "progress"
    if match.namespace in _ADMIN_NAMESPACES or match.url_name in _ADMIN_URL_NAMES:
        return "admin"
    return match.namespace or ("home" if match.url_name == "home" else "")


def service(request):
    return {
        "council_name": settings.COUNCIL_NAME,
        "service_name": settings.SERVICE_NAME,
        "service_navigation": _navigation(request),
        "session_idle_timeout": duration_words(settings.SESSION_COOKIE_AGE),
        "session_absolute_timeout": duration_words(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()),
        "user_is_admin": is_admin(getattr(request, "user", None)) if hasattr(request, "user") else False,
    }
