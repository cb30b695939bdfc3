"""The URL access table. Every URL pattern the project defines must have a declared expectation;
tests/test_access.py walks the root URL resolver and checks each Rule for an anonymous visitor and
every role, by GET and by POST, and fails when a URL has none.

Each app keeps its rules in tests/<app>/access_rules.py as a list called RULES (Django admin's are
in tests/core/access_rules.py: ADMIN_MODELS and ADMIN_SITE_PATTERNS).

A Rule declares the status each role gets (`expect`) for a GET, or for a POST when method="post".
For a URL with no POST Rule, the GET Rule also declares what an empty POST gets: the same status
(a page that ignores the method, or a form shown again with its errors) or 405 (a page that takes no
POST). A page that acts on a POST (deletes, publishes, sends) needs its own POST Rule, with `data`
that is invalid or harmless. Either way, the POSTs of those refused change no row.
"""

import sys
from dataclasses import dataclass, field
from typing import Callable

LOGIN = "login"  # anonymous visitors are sent to sign in
# Every signed-in persona: "outsider" has an account but no role; "officer" leads the objects the
# rules build (its actions and indicators), "other_officer" is an officer who leads none of them.
ROLES = ("admin", "officer", "other_officer", "board", "clerk", "outsider")

READ_ALL = {"admin": 200, "officer": 200, "other_officer": 200, "board": 200, "clerk": 200, "outsider": 403}
ADMIN_ONLY = {"admin": 200, "officer": 403, "other_officer": 403, "board": 403, "clerk": 403, "outsider": 403}
EVERYONE_SIGNED_IN = {role: 200 for role in ROLES}


@dataclass
class Rule:
    url_name: str
    expect: dict  # role key -> status code for a GET (or the given method)
    kwargs: Callable[[dict], dict] | None = None  # builds objects; receives {role key: user}
    anonymous: object = LOGIN  # LOGIN, or a status code for public pages
    method: str = "get"
    data: Callable[[dict], dict] | None = None
    query: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)
    declared_in: str = ""  # the access_rules module, for failure messages (filled in)

    def __post_init__(self):
        if not self.declared_in:
            module = sys._getframe(2).f_globals.get("__name__", "")
            self.declared_in = module.replace(".", "/") + ".py"

    def describe(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"Rule({self.url_name!r}{query}, method={self.method!r}) in {self.declared_in}"
