from core.roles import OFFICER
from tests.access import ADMIN_ONLY, EVERYONE_SIGNED_IN, READ_ALL, ROLES, Rule
from tests.factories.core import UserFactory

SIGNED_IN_REDIRECT = {role: 302 for role in ROLES}
ADMIN_ACTS = {"admin": 302, "officer": 403, "other_officer": 403, "board": 403, "clerk": 403, "outsider": 403}


def _another_account(users):
    # A fresh account for each request, so one role's change never alters what the next role sees.
    return {"pk": UserFactory(role=OFFICER).pk}


RULES = [
    Rule("admin_area", ADMIN_ONLY, note="the Admin area: links to every page an admin keeps the service with"),
    Rule("home", READ_ALL),
    Rule("account", EVERYONE_SIGNED_IN),
    Rule("accessibility", EVERYONE_SIGNED_IN, anonymous=200),
    Rule("cookies", EVERYONE_SIGNED_IN, note="visitors read the same on the sign-in page"),
    Rule("healthz", EVERYONE_SIGNED_IN, anonymous=200),
    Rule("login", SIGNED_IN_REDIRECT, anonymous=200, note="signed-in people are sent on to the dashboard"),
    Rule("logout", SIGNED_IN_REDIRECT, anonymous=302, method="post"),
    Rule("password_change", EVERYONE_SIGNED_IN),
    Rule("password_change_done", EVERYONE_SIGNED_IN),
    Rule("password_reset", EVERYONE_SIGNED_IN, anonymous=200),
    Rule("password_reset_done", EVERYONE_SIGNED_IN, anonymous=200),
    Rule(
        "password_reset_confirm",
        EVERYONE_SIGNED_IN,
        kwargs=lambda users: {"uidb64": "MQ", "token": "not-a-real-token"},
        anonymous=200,
        note="an invalid link shows 'this link has expired'",
    ),
    Rule("password_reset_complete", EVERYONE_SIGNED_IN, anonymous=200),
    Rule("users:list", ADMIN_ONLY),
    Rule("users:list", ADMIN_ONLY, query="role=none"),
    Rule("users:create", ADMIN_ONLY),
    Rule("users:detail", ADMIN_ONLY, kwargs=_another_account),
    Rule("users:role", ADMIN_ONLY, kwargs=_another_account),
    Rule("users:deactivate", ADMIN_ONLY, kwargs=_another_account, note="the confirmation page"),
    Rule("users:deactivate", ADMIN_ACTS, kwargs=_another_account, method="post", data=lambda users: {}),
    Rule("users:reactivate", ADMIN_ACTS, kwargs=_another_account, method="post", data=lambda users: {}),
    Rule("users:unlock", ADMIN_ACTS, kwargs=_another_account, method="post", data=lambda users: {}),
    Rule("users:password_link", ADMIN_ACTS, kwargs=_another_account, method="post", data=lambda users: {}),
    Rule("audit:log", ADMIN_ONLY),
    Rule("audit:log", ADMIN_ONLY, query="event=user.created&page=2"),
]

# Django admin ----------------------------------------------------------------------------------------
# Django admin has its own checks: anyone who is not staff (every role but Admin) is sent to its sign-in;
# the Admin role opens only what its permissions allow, and never an append-only record's change or
# delete page. tests/test_access.py opens each page below with one object of each model, for every role,
# by GET and by an empty POST.

# model label -> {page: status for the Admin role}; "page:get" or "page:post" for one method only; a page
# not listed answers 403. Append-only and published records are read-only: their "change" page is the
# view page (GET), and saving it, adding or deleting one is refused.
FULL = {"changelist": 200, "add": 200, "change": 200, "history": 200, "delete": 200}
READ_ONLY = {"changelist": 200, "change:get": 200, "history": 200}
NONE = {}

ADMIN_MODELS = {
    "auth.group": NONE,  # accounts are managed on the Users page (tests/core/test_admin_auth.py)
    "auth.user": NONE,
    "axes.accessattempt": NONE,  # sign-in lockouts: the Users page unlocks
    "axes.accesslog": NONE,
    "axes.accessfailurelog": NONE,
    "django_tasks_database.dbtaskresult": NONE,  # background work is shown on the import status pages
    "core.auditentry": READ_ONLY,
    "improvement.inspection": FULL,
    "improvement.interventionevent": FULL,
    "improvement.recommendation": FULL,
    # Deleting a plan goes through the service's own page, which checks it was never made active.
    "improvement.plan": {**FULL, "delete": 302},
    "improvement.theme": FULL,
    "improvement.action": FULL,
    "improvement.targetdaterevision": READ_ONLY,
    "improvement.actionupdate": READ_ONLY,
    "indicators.indicator": FULL,
    "indicators.measurement": FULL,
    "indicators.target": FULL,
    "indicators.benchmark": FULL,
    "meetings.board": FULL,
    "meetings.meeting": FULL,
    "meetings.agendaitem": FULL,
    "meetings.resolution": FULL,
    "meetings.meetingaction": FULL,
    "meetings.publishedpack": READ_ONLY,
    "meetings.reminderlog": {**READ_ONLY, "delete": 200},  # deleting one lets a reminder be sent again
}

_ADMIN_LOGIN = 302  # sent to Django admin's sign-in
BY_APP = "200 or 404, by app"
# route -> {method: (anonymous, any signed-in role but Admin, Admin)}: the site's own pages
ADMIN_SITE_PATTERNS = {
    "admin/": {"get": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200), "post": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200)},
    # An empty sign-in form is shown again with its errors, to anyone.
    "admin/login/": {"get": (200, 200, 302), "post": (200, 200, 200)},
    # Signing out is a POST (opened last, as it signs the Admin out).
    "admin/logout/": {"get": (_ADMIN_LOGIN, _ADMIN_LOGIN, 405), "post": (_ADMIN_LOGIN, _ADMIN_LOGIN, 302)},
    "admin/password_change/": {"get": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200), "post": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200)},
    "admin/password_change/done/": {
        "get": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200),
        "post": (_ADMIN_LOGIN, _ADMIN_LOGIN, 405),
    },
    "admin/autocomplete/": {"get": (_ADMIN_LOGIN, _ADMIN_LOGIN, 403), "post": (_ADMIN_LOGIN, _ADMIN_LOGIN, 405)},
    "admin/jsi18n/": {"get": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200), "post": (_ADMIN_LOGIN, _ADMIN_LOGIN, 405)},
    "admin/r/<path:content_type_id>/<path:object_id>/": {
        "get": (_ADMIN_LOGIN, _ADMIN_LOGIN, 302),
        "post": (_ADMIN_LOGIN, _ADMIN_LOGIN, 302),
    },
    # The app index, opened for each app with a model in Django admin: for the Admin role, 200 when
    # ADMIN_MODELS lets it see one of the app's models, else 404 (Django admin hides the app).
    "admin/<app_label>/": {"get": (_ADMIN_LOGIN, _ADMIN_LOGIN, BY_APP), "post": (_ADMIN_LOGIN, _ADMIN_LOGIN, BY_APP)},
    "admin/(?P<url>.*)$": {"get": (_ADMIN_LOGIN, _ADMIN_LOGIN, 404), "post": (_ADMIN_LOGIN, _ADMIN_LOGIN, 404)},
}
