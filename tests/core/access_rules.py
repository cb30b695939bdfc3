from core.roles import OFFICER
from tests.access import ADMIN_ONLY, READ_ALL, Rule
from tests.factories.core import UserFactory

EVERYONE_SIGNED_IN = {"admin": 200, "officer": 200, "board": 200, "clerk": 200, "outsider": 200}
SIGNED_IN_REDIRECT = {"admin": 302, "officer": 302, "board": 302, "clerk": 302, "outsider": 302}
ADMIN_ACTS = {"admin": 302, "officer": 403, "board": 403, "clerk": 403, "outsider": 403}


def _another_account(users):
    # A fresh account for each request, so one role's change never alters what the next role sees.
    return {"pk": UserFactory(role=OFFICER).pk}


RULES = [
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
# route -> (anonymous, any signed-in role but Admin, Admin): the site's own pages
ADMIN_SITE_PATTERNS = {
    "admin/": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200),
    "admin/login/": (200, 200, 302),
    "admin/logout/": (_ADMIN_LOGIN, _ADMIN_LOGIN, 405),  # signing out is a POST
    "admin/password_change/": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200),
    "admin/password_change/done/": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200),
    "admin/autocomplete/": (_ADMIN_LOGIN, _ADMIN_LOGIN, 403),  # refused without a field to complete
    "admin/jsi18n/": (_ADMIN_LOGIN, _ADMIN_LOGIN, 200),
    "admin/r/<path:content_type_id>/<path:object_id>/": (_ADMIN_LOGIN, _ADMIN_LOGIN, 302),
    "admin/^(?P<app_label>auth|axes|django_tasks_database|core|improvement|indicators|meetings)/$": (
        _ADMIN_LOGIN,
        _ADMIN_LOGIN,
        200,
    ),
    "admin/(?P<url>.*)$": (_ADMIN_LOGIN, _ADMIN_LOGIN, 404),
}
