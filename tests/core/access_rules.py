from tests.access import READ_ALL, Rule

EVERYONE_SIGNED_IN = {"admin": 200, "officer": 200, "board": 200, "clerk": 200, "outsider": 200}
SIGNED_IN_REDIRECT = {"admin": 302, "officer": 302, "board": 302, "clerk": 302, "outsider": 302}

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
]
