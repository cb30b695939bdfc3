"""Template filters for the plan. None runs a query."""

from django import template

from improvement.rules import rag_label

register = template.Library()


@register.filter
def rag_words(rag):
    return rag_label(rag) if rag else ""


@register.filter
def risk_rating(risk):
    """(words, RAG key) for a Risk: improvement.rules.risk_rating."""
    from improvement.rules import risk_rating as rating

    return rating(risk.likelihood, risk.impact)


@register.filter
def iso_day(value):
    """'2026-11-22' -> '22 November 2026' (dates kept as text in plain-data rows); empty for none."""
    from datetime import date

    from django.utils.dateformat import format as format_date

    if not value:
        return ""
    return format_date(date.fromisoformat(str(value)[:10]), "j F Y")
