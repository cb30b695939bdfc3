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
