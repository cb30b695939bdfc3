"""The URL access table. Every URL the project defines must have a Rule; tests/test_access.py
checks each Rule for anonymous visitors and every role, and fails when a URL has none.

Each app keeps its rules in tests/<app>/access_rules.py as a list called RULES.
"""

from dataclasses import dataclass, field
from typing import Callable

LOGIN = "login"  # anonymous visitors are sent to sign in
ROLES = ("admin", "officer", "board", "clerk", "outsider")

READ_ALL = {"admin": 200, "officer": 200, "board": 200, "clerk": 200, "outsider": 403}
ADMIN_ONLY = {"admin": 200, "officer": 403, "board": 403, "clerk": 403, "outsider": 403}


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
