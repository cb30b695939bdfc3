"""Every URL pattern × every role × GET and POST: who may do what (the table is in tests/access.py and
tests/<app>/access_rules.py; Django admin's in tests/core/access_rules.py).

The people and their signed-in clients are built once per module (`world`), inside a transaction
that each test's own is nested in, so each test only builds the objects its URL needs.
"""

import copy
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse
from django.urls.resolvers import URLResolver

import tests
from core.roles import ADMIN as ADMIN_ROLE
from core.roles import BOARD_MEMBER, CLERK, OFFICER
from tests.access import LOGIN, ROLES
from tests.dates import NOW
from tests.factories.core import UserFactory

TESTS = Path(tests.__file__).parent
ALL_ROLES = ("anonymous", *ROLES)
# Those allowed act last, so a POST that is accepted cannot change what a refused role was tested on.
_REFUSED_FIRST = ("anonymous", "outsider", "board", "clerk", "other_officer", "officer", "admin")
PERSONAS = {
    "admin": ADMIN_ROLE,
    "officer": OFFICER,
    "other_officer": OFFICER,
    "board": BOARD_MEMBER,
    "clerk": CLERK,
    "outsider": None,
}


def _all_rules():
    rules = []
    for module in pkgutil.iter_modules(tests.__path__):
        if module.ispkg:
            try:
                rules_module = importlib.import_module(f"tests.{module.name}.access_rules")
            except ModuleNotFoundError:
                continue
            rules.extend(rules_module.RULES)
    return rules


RULES = _all_rules()
RULE_IDS = [f"{r.method}:{r.url_name}{'?' + r.query if r.query else ''}" for r in RULES]
POSTED = {rule.url_name for rule in RULES if rule.method == "post"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """{role: user} and {role: session cookie} for the module, in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        with time_machine.travel(NOW, tick=True):
            users = {role: UserFactory(role=group, username=f"access.{role}") for role, group in PERSONAS.items()}
            cookies = {}
            for role, user in users.items():
                client = Client()
                client.force_login(user)
                cookies[role] = client.cookies
    yield users, cookies
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def people(world):
    """({role: user}, {role: client}): fresh clients on the module's sessions, so signing out in one test
    (the logout rule) does not sign the next one out (its session row comes back with the rollback)."""
    users, cookies = world
    clients = {"anonymous": Client()}
    for role, cookie in cookies.items():
        clients[role] = Client()
        clients[role].cookies = copy.deepcopy(cookie)
    return users, clients


# The table covers every URL ---------------------------------------------------------------------------


def _patterns(resolver=None, prefix="", namespace=""):
    """(route, name or None, pattern) of every URL pattern, named or not, Django admin included."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, prefix + str(pattern.pattern), inner)
        else:
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}" if pattern.name else None, pattern


def _rules_file_for(pattern) -> str:
    view = getattr(pattern.callback, "view_class", pattern.callback)
    app = view.__module__.split(".")[0]
    path = TESTS / app / "access_rules.py"
    return str(path.relative_to(TESTS.parent)) + ("" if path.exists() else " (create it, with RULES = [...])")


_EXAMPLE = (
    '    Rule("{name}", {{"admin": 200, "officer": 403, "other_officer": 403, "board": 403, "clerk": 403, '
    '"outsider": 403}}{kwargs}),\n'
)
_HOW = """
Every URL needs a declared expectation (tests/access.py explains the table). For each line above, add to
RULES in the file named, with the status each role gets, for example:
{examples}The GET Rule also stands for an empty POST (the same status, or 405). If the page acts on a POST (it
deletes, publishes or sends), add a second Rule with method="post" and data=lambda users: {{...}}.
Use READ_ALL or ADMIN_ONLY from tests.access when they fit; kwargs=lambda users: {{"pk": SomeFactory().pk}}
builds the object a URL needs (users["officer"] leads it; users["other_officer"] is an officer who does not).
"""


def _admin_route_key(route: str) -> str:
    # The app index lists every app with a model in Django admin, so its regex grows with them.
    return "admin/<app_label>/" if route.startswith("admin/^(?P<app_label>") else route


def _declared(route, name):
    from tests.core.access_rules import ADMIN_MODELS, ADMIN_SITE_PATTERNS

    if name is not None and not name.startswith("admin:"):
        return name in {rule.url_name for rule in RULES}
    if not route.startswith("admin/"):
        return False
    if _admin_route_key(route) in ADMIN_SITE_PATTERNS:
        return True
    parts = route.split("/")  # admin/<app>/<model>/...
    return len(parts) > 3 and f"{parts[1]}.{parts[2]}" in ADMIN_MODELS


def test_every_pattern_from_the_root_resolver_has_a_declared_expectation():
    missing, unnamed, admin_routes, examples = [], [], [], []
    for route, name, pattern in _patterns():
        if _declared(route, name):
            continue
        if route.startswith("admin/"):
            admin_routes.append(f"  - {route}")
        elif name is None:
            unnamed.append(f"  - {route} ({pattern.lookup_str}): give it a name= in its urls.py, then add a Rule")
        else:
            missing.append(f"  - {name}  (route /{route}, view {pattern.lookup_str}) -> {_rules_file_for(pattern)}")
            kwargs = ", kwargs=lambda users: {...}" if pattern.pattern.converters or "(?P<" in route else ""
            examples.append(_EXAMPLE.format(name=name, kwargs=kwargs))
    message = ""
    if missing:
        message += "URLs with no access Rule:\n" + "\n".join(missing) + "\n"
        message += _HOW.format(examples="".join(examples[:3]))
    if unnamed:
        message += "\nURL patterns with no name (the table is keyed by name):\n" + "\n".join(unnamed) + "\n"
    if admin_routes:
        message += (
            "\nDjango admin routes with no expectation: add the model's label to ADMIN_MODELS (FULL, READ_ONLY "
            "or NONE, or a dict of page: status for the Admin role), or the route to ADMIN_SITE_PATTERNS, in "
            "tests/core/access_rules.py:\n" + "\n".join(admin_routes) + "\n"
        )
    assert not message, "\n" + message


def test_every_rule_declares_every_role_and_names_a_url():
    wrong = []
    for rule in RULES:
        missing = [role for role in ROLES if role not in rule.expect]
        if missing:
            wrong.append(
                f"{rule.describe()} declares no status for {', '.join(missing)}: add "
                + ", ".join(f'"{role}": <status>' for role in missing)
                + ' ("other_officer" is an officer who does not lead the object the rule builds)'
            )
        unknown = set(rule.expect) - set(ROLES)
        if unknown:
            wrong.append(f"{rule.describe()} names roles the table does not have: {sorted(unknown)}")
        if rule.kwargs is None:
            try:
                reverse(rule.url_name)
            except NoReverseMatch:
                wrong.append(f"{rule.describe()}: no such URL without kwargs (removed or renamed? give kwargs=)")
    assert wrong == [], "\n" + "\n".join(wrong)


# One aggregate of row counts --------------------------------------------------------------------------


def _row_counts() -> dict:
    """Rows in every table the project's models own, in one query."""
    tables = sorted(
        {model._meta.db_table for model in apps.get_models(include_auto_created=True) if model._meta.managed}
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables))
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _changed(before: dict, after: dict) -> dict:
    return {table: (before[table], after[table]) for table in before if before[table] != after[table]}


# Every rule: each role by GET, and by POST --------------------------------------------------------------


def _url(rule, users):
    url = reverse(rule.url_name, kwargs=rule.kwargs(users) if rule.kwargs else None)
    return url + ("?" + rule.query if rule.query else "")


def _status(response, role, expected):
    """The status code; for an anonymous visitor expected to be sent to sign in, LOGIN when they are."""
    if role == "anonymous" and expected == LOGIN and response.status_code == 302:
        if response["Location"].startswith(reverse("login")):
            return LOGIN
        return f"302 to {response['Location']}"
    return response.status_code


# What Django or the browser would show where GOV.UK has a pattern (issue 12): the browser's date and
# time fields (mm/dd/yyyy in an en-US browser), a Ctrl-click multi-select, an empty option of dashes.
_NON_GOVUK_WIDGETS = {
    "a browser date field": re.compile(r'<input[^>]*type="date"'),
    "a browser time field": re.compile(r'<input[^>]*type="time"'),
    "a multi-select": re.compile(r"<select[^>]*\bmultiple\b"),
    'an empty option "---------"': re.compile(r"<option[^>]*>-{9}</option>"),
}


def _non_govuk_widgets(response) -> list[str]:
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return []
    html = response.content.decode()
    return [name for name, pattern in _NON_GOVUK_WIDGETS.items() if pattern.search(html)]


def _expected(rule, role):
    return rule.anonymous if role == "anonymous" else rule.expect.get(role, "undeclared")


def _refused(status, role) -> bool:
    return status in (403, 405) or (role == "anonymous" and status == LOGIN)


def _first_get_rules():
    seen, first = set(), []
    for rule in RULES:
        if rule.method == "get" and rule.url_name not in seen:
            seen.add(rule.url_name)
            first.append(rule)
    return first


_CHECKS_POST = {id(rule) for rule in _first_get_rules() if rule.url_name not in POSTED}


def _request(client, rule, url, users):
    data = rule.data(users) if rule.data else None
    method = getattr(client, rule.method)
    return method(url, data) if data is not None else method(url)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "rule", RULES, ids=[f"{r.method}:{r.url_name}{'?' + r.query if r.query else ''}" for r in RULES]
)
def test_access_by_role_get_and_post(rule, people):
    """The declared status for an anonymous visitor and every role. A POST Rule builds its objects once per
    role (an accepted POST may change them) and those refused go first: their POSTs change no row. A URL
    with no POST Rule is read-only: an empty POST from anyone is refused and changes no row."""
    users, clients = people
    wrong = []
    if rule.method == "get":
        url = _url(rule, users)
        for role in ALL_ROLES:
            response = clients[role].get(url)
            got = _status(response, role, _expected(rule, role))
            if got != _expected(rule, role):
                wrong.append(f"GET {url} as {role}: got {got}, the table says {_expected(rule, role)}")
            elif got == 200 and (old := _non_govuk_widgets(response)):
                wrong.append(f"GET {url} as {role} shows {', '.join(old)}: core.forms gives every form GOV.UK's")
        if id(rule) in _CHECKS_POST:
            # No POST Rule: an empty POST gets what a GET gets (or 405), and those refused change no row.
            order = sorted(_REFUSED_FIRST, key=lambda role: not _refused(_expected(rule, role), role))
            before, checked = _row_counts(), False
            for role in order:
                expected = _expected(rule, role)
                if not checked and not _refused(expected, role):
                    checked = True
                    if changed := _changed(before, _row_counts()):
                        wrong.append(f"refused POSTs to {url} changed rows (table: (before, after)): {changed}")
                got = _status(clients[role].post(url, {}), role, expected)
                if got != expected and got != 405:
                    wrong.append(
                        f"POST {url} as {role}: got {got}; with no POST Rule, a POST must get what the GET Rule "
                        f'says ({expected}) or 405. If the page acts on a POST, add a method="post" Rule for '
                        f"{rule.url_name!r} to {rule.declared_in}"
                    )
            if not checked and (changed := _changed(before, _row_counts())):
                wrong.append(f"refused POSTs to {url} changed rows (table: (before, after)): {changed}")
    else:
        # Those refused first, then those allowed (admin last): an accepted POST changes nothing they see.
        order = sorted(_REFUSED_FIRST, key=lambda role: not _refused(_expected(rule, role), role))
        urls = {role: _url(rule, users) for role in order}
        before, checked = _row_counts(), False
        for role in order:
            expected = _expected(rule, role)
            if not checked and not _refused(expected, role):
                checked = True
                if changed := _changed(before, _row_counts()):
                    wrong.append(f"refused POSTs to {rule.url_name} changed rows (table: (before, after)): {changed}")
            got = _status(_request(clients[role], rule, urls[role], users), role, expected)
            if got != expected:
                wrong.append(f"POST {urls[role]} as {role}: got {got}, the table says {expected}")
        if not checked and (changed := _changed(before, _row_counts())):
            wrong.append(f"refused POSTs to {rule.url_name} changed rows (table: (before, after)): {changed}")
    assert wrong == [], f"{rule.describe()}{' (' + rule.note + ')' if rule.note else ''}:\n" + "\n".join(wrong)


# Django admin: every model's pages × every role × GET and POST ----------------------------------------

ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete")


def _one_of_each_admin_model(users):
    """One row for every model Django admin shows, so each model's change, history and delete pages are
    opened with a real object."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib import admin
    from django_tasks_db.models import DBTaskResult

    from core import audit
    from meetings.models import ReminderLog
    from meetings.services import publish_pack
    from tests.factories import improvement as imp
    from tests.factories import indicators as ind
    from tests.factories import meetings as mtg

    action = imp.ActionFactory(lead_officer=users["officer"])
    imp.ActionUpdateFactory(action=action)
    imp.TargetDateRevisionFactory(action=action)
    imp.RecommendationFactory()
    imp.InterventionEventFactory()
    indicator = ind.IndicatorFactory(owner=users["officer"])
    ind.MeasurementFactory(indicator=indicator)
    ind.TargetFactory(indicator=indicator)
    ind.BenchmarkFactory(indicator=indicator)
    meeting = mtg.ResolutionFactory().item.meeting
    mtg.MeetingActionFactory(meeting=meeting)
    publish_pack(meeting=meeting, published_by=users["clerk"])
    ReminderLog.objects.create(user=users["officer"], sent_on=meeting.starts_at.date())
    audit.record(users["admin"], "user.created", subject=users["officer"], summary="Created an account")
    seen = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "someone", "http_accept": "*/*"}
    AccessAttempt.objects.create(**seen, path_info="/", get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**seen, path_info="/")
    AccessFailureLog.objects.create(**seen, path_info="/")
    DBTaskResult.objects.create(
        args_kwargs={}, task_path="imports.tasks.apply_import", backend_name="default", run_after=None
    )
    objects = {}
    for model in admin.site._registry:
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, (
            f"no {model._meta.label} to open in Django admin: create one in _one_of_each_admin_model"
        )
        objects[model._meta.label_lower] = obj
    return objects


def _admin_url(label, view, obj):
    app, model = label.split(".")
    if view in ("changelist", "add"):
        return reverse(f"admin:{app}_{model}_{view}")
    return reverse(f"admin:{app}_{model}_{view}", args=[obj.pk])


def _admin_site_urls(objects):
    """(route key, URL) for each of Django admin's own pages, with an object where the route needs one."""
    from django.contrib import admin
    from django.contrib.contenttypes.models import ContentType

    action = objects["improvement.action"]  # has a page on the site, so "view on site" redirects to it
    concrete = {
        "admin/r/<path:content_type_id>/<path:object_id>/": (
            f"/admin/r/{ContentType.objects.get_for_model(action).pk}/{action.pk}/"
        ),
        "admin/(?P<url>.*)$": "/admin/no-such-page/",
    }
    for route, _, _ in _patterns():
        if not route.startswith("admin/"):
            continue
        key = _admin_route_key(route)
        if key == "admin/<app_label>/":
            for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
                yield key, f"/admin/{app_label}/"
        elif key in concrete:
            yield key, concrete[key]
        elif key in _admin_site_patterns():
            yield key, "/" + key


def _admin_site_patterns():
    from tests.core.access_rules import ADMIN_SITE_PATTERNS

    return ADMIN_SITE_PATTERNS


@pytest.mark.django_db
def test_django_admin_by_role_for_every_model_get_and_post(people):
    """Each Django admin page of each model and each of its own pages × every role × GET and an empty POST,
    against the table in tests/core/access_rules.py; a POST (always refused or invalid: no data) changes
    no row."""
    from tests.core.access_rules import ADMIN_MODELS, BY_APP

    users, clients = people
    objects = _one_of_each_admin_model(users)
    assert sorted(objects) == sorted(ADMIN_MODELS), (
        "add each model Django admin shows to ADMIN_MODELS in tests/core/access_rules.py"
    )
    # Django admin's sign-in is the service's own (config/urls.py sends admin:login there).
    login = (reverse("admin:login"), reverse("login"))
    wrong = []
    # Signing out last: it ends the session the other pages are opened with.
    site = sorted(_admin_site_urls(objects), key=lambda key_url: key_url[0] == "admin/logout/")
    before = _row_counts()
    for role in _REFUSED_FIRST:
        client = clients[role]
        for label, allowed in ADMIN_MODELS.items():
            for view in ADMIN_VIEWS:
                url = _admin_url(label, view, objects[label])
                for method in ("get", "post"):
                    expected = allowed.get(f"{view}:{method}", allowed.get(view, 403)) if role == "admin" else 302
                    response = getattr(client, method)(url)
                    got = response.status_code
                    if got == 302 and role != "admin" and not response["Location"].startswith(login):
                        got = f"302 to {response['Location']}"
                    if got != expected:
                        wrong.append((role, method, label, view, got, expected))
        for key, url in site:
            for method in ("get", "post"):
                statuses = _admin_site_patterns()[key][method]
                expected = statuses[0] if role == "anonymous" else statuses[2] if role == "admin" else statuses[1]
                if expected == BY_APP:
                    app_label = url.split("/")[2]
                    visible = any(
                        "changelist" in pages
                        for label, pages in ADMIN_MODELS.items()
                        if label.startswith(app_label + ".")
                    )
                    expected = 200 if visible else 404
                if (role, key, method) == ("admin", "admin/logout/", "post"):
                    rows = _row_counts()  # the very last request: signing out removes the Admin's session
                got = getattr(client, method)(url).status_code
                if got != expected:
                    wrong.append((role, method, url, "", got, expected))
    assert wrong == [], "(role, method, model or URL, page, got, expected):\n" + "\n".join(map(str, wrong))
    # Empty POSTs change nothing (the last-login stamps of signed-in sessions are not rows).
    assert _changed(before, rows) == {}


def test_the_app_index_route_is_the_one_django_admin_builds():
    assert any(re.match(r"admin/\^\(\?P<app_label>", route) for route, _, _ in _patterns())
