"""Panels a higher app adds to a lower app's page (shared/design.md, layers).

A lower page (an improvement action, a recommendation, an indicator) cannot import the apps above it,
so those apps register a provider here from their AppConfig.ready(): provider(obj) returns HTML for
the object's page, or "" when it has nothing to say. A provider registered with `for_reader=True` is
called as provider(obj, reader) with the signed-in user, for a panel that offers what only some roles
may do (a clerk's "publish" link). The page renders them with
{% linked_panels obj %} (core_tags). Each provider documents its own query cost.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

_providers: list[Callable[..., str]] = []
_reader_providers: set = set()


def register_panel_provider(provider: Callable[..., str], *, for_reader: bool = False) -> None:
    """Idempotent: ready() may run more than once in tests."""
    if provider not in _providers:
        _providers.append(provider)
    if for_reader:
        _reader_providers.add(provider)


def panels_for(obj, reader=None) -> SafeString:
    """Every provider's HTML for obj, in registration order. Providers render with autoescaping."""
    return mark_safe(
        "".join(provider(obj, reader) if provider in _reader_providers else provider(obj) for provider in _providers)
    )
