"""Every URL, every role: who may see what. New URLs must add a Rule (see tests/access.py)."""

import importlib
import pkgutil

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

import tests
from tests.access import LOGIN, ROLES

# Django admin has its own sign-in and permission checks: its patterns are walked, with one object per
# model, by test_django_admin_by_role_for_every_model_get_and_post below.
NOT_IN_TABLE = {"admin"}


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


def _named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in NOT_IN_TABLE:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_urls(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_has_an_access_rule():
    covered = {rule.url_name for rule in RULES}
    assert sorted(_named_urls() - covered) == []


def _request(client, rule, users):
    url = reverse(rule.url_name, kwargs=rule.kwargs(users) if rule.kwargs else None)
    if rule.query:
        url += "?" + rule.query
    data = rule.data(users) if rule.data else None
    return getattr(client, rule.method)(url, data) if data is not None else getattr(client, rule.method)(url)


@pytest.mark.django_db
@pytest.mark.parametrize("rule", RULES, ids=[f"{r.url_name}{'?' + r.query if r.query else ''}" for r in RULES])
def test_access_by_role(rule, role_clients):
    users = {key: user for key, (user, _) in role_clients.items()}
    anonymous = _request(Client(), rule, users)
    if rule.anonymous == LOGIN:
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith(reverse("login"))
    else:
        assert anonymous.status_code == rule.anonymous

    results = {role: _request(role_clients[role][1], rule, users).status_code for role in ROLES}
    assert results == {role: rule.expect[role] for role in ROLES}


# Every pattern from the root resolver, Django admin included --------------------------------------

ADMIN_ROLES = ("anonymous", "outsider", "officer", "other_officer", "board", "clerk", "admin")
ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete")


def _patterns(resolver=None, prefix="", namespace=""):
    """(route, name or None) of every URL pattern, named or not, Django admin included."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, prefix + str(pattern.pattern), inner)
        else:
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}" if pattern.name else None


def _declared(route, name):
    from tests.core.access_rules import ADMIN_MODELS, ADMIN_SITE_PATTERNS

    if name is not None and not name.startswith("admin:"):
        return name in {rule.url_name for rule in RULES}
    if route in ADMIN_SITE_PATTERNS:
        return True
    parts = route.split("/")  # admin/<app>/<model>/...
    return len(parts) > 3 and f"{parts[1]}.{parts[2]}" in ADMIN_MODELS


def test_every_pattern_from_the_root_resolver_has_a_declared_expectation():
    undeclared = [route for route, name in _patterns() if not _declared(route, name)]
    assert undeclared == []


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
        assert obj is not None, f"no {model._meta.label} to open in Django admin"
        objects[model._meta.label_lower] = obj
    return objects


def _row_counts():
    from django.apps import apps

    return {model._meta.label: model._default_manager.count() for model in apps.get_models() if model._meta.managed}


def _admin_url(label, view, obj):
    app, model = label.split(".")
    if view in ("changelist", "add"):
        return reverse(f"admin:{app}_{model}_{view}")
    return reverse(f"admin:{app}_{model}_{view}", args=[obj.pk])


@pytest.mark.django_db
def test_django_admin_by_role_for_every_model_get_and_post(make_user):
    """Each Django admin page of each model × every role × GET and an empty POST, against the table in
    tests/core/access_rules.py; a POST (always refused or invalid: no data) changes no row."""
    from tests.core.access_rules import ADMIN_MODELS, ADMIN_SITE_PATTERNS

    users = {role: make_user(role) for role in ("admin", "officer", "board", "clerk", "outsider")}
    users["other_officer"] = make_user("officer")
    objects = _one_of_each_admin_model(users)
    assert sorted(objects) == sorted(ADMIN_MODELS)
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    # Django admin's sign-in is the service's own (config/urls.py sends admin:login there).
    login = (reverse("admin:login"), reverse("login"))
    wrong = []
    before = _row_counts()
    for role in ADMIN_ROLES:
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
        for route, (anonymous, others, admin) in ADMIN_SITE_PATTERNS.items():
            if "<" in route or "(" in route:
                continue  # opened through each model's pages above
            expected = anonymous if role == "anonymous" else admin if role == "admin" else others
            got = client.get("/" + route).status_code
            if got != expected:
                wrong.append((role, "get", route, "", got, expected))
    assert wrong == []
    # Empty POSTs change nothing (the last-login stamps of signed-in sessions are not rows).
    assert _row_counts() == before


@pytest.mark.django_db
def test_a_refused_post_to_any_named_url_changes_no_row(role_clients):
    """Every named URL, POSTed (empty) by each role its table refuses and by an anonymous visitor: refused
    (403, 405 for a page that takes no POST, or sent to sign in) and no row added, changed away or removed
    (one count per table before and after)."""
    users = {key: user for key, (user, _) in role_clients.items()}
    wrong = []
    for rule in RULES:
        if rule.method != "get":
            continue  # a POST rule is checked, with its data, by test_access_by_role
        url = reverse(rule.url_name, kwargs=rule.kwargs(users) if rule.kwargs else None)
        refused = [role for role in ROLES if rule.expect[role] == 403]
        if rule.anonymous == LOGIN:
            refused.append("anonymous")
        if not refused:
            continue
        before = _row_counts()
        for role in refused:
            client = Client() if role == "anonymous" else role_clients[role][1]
            response = client.post(url, {})
            sent_to_sign_in = response.status_code == 302 and response["Location"].startswith(reverse("login"))
            if not (response.status_code in (403, 405) or (role == "anonymous" and sent_to_sign_in)):
                wrong.append((rule.url_name, role, response.status_code))
        if _row_counts() != before:
            wrong.append((rule.url_name, "rows changed", ""))
    assert wrong == []
