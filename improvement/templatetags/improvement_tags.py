"""Template filters for the plan. None runs a query."""

from django import template

from improvement.rules import rag_label

register = template.Library()


@register.filter
def rag_words(rag):
    return rag_label(rag) if rag else ""
