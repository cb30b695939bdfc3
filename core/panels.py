"""Panels a higher app adds to a lower app's page (shared/design.md, layers).

A lower page (an improvement action, a recommendation, an indicator) cannot import the apps above it,
so those apps register a provider here from their AppConfig.ready(): provider(obj) returns HTML for
the object's page, or "" when it has nothing to say. The page renders them with
{% linked_panels obj %} (core_tags). Each provider documents its own query cost.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

_providers: list[Callable[[object], str]] = []


def register_panel_provider(provider: Callable[[object], str]) -> None:
    """Idempotent: ready() may run more than once in tests."""
    if provider not in _providers:
        _providers.append(provider)


def panels_for(obj) -> SafeString:
    """Every provider's HTML for obj, in registration order. Providers render with autoescaping."""
    return mark_safe("".join(provider(obj) for provider in _providers))
