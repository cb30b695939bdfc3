"""Every URL, every role: who may see what. New URLs must add a Rule (see tests/access.py)."""

import importlib
import pkgutil

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

import tests
from tests.access import LOGIN, ROLES

# Django admin has its own sign-in and permission checks, tested in tests/core/test_admin_access.py.
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
