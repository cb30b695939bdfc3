from django import template

from dashboard.progress import lead_of
from improvement.rules import rag_label

register = template.Library()


@register.filter
def action_rag_label(rag_key):
    """The council's wording for an action RAG key (configured in settings)."""
    return rag_label(rag_key)


@register.filter
def lead(state):
    """Who leads an action: the lead officer's name, else the lead as written in the plan."""
    return lead_of(state)


@register.filter
def rag_count(counts, rag):
    """The count of one RAG in a (rag, count) list."""
    return dict(counts).get(rag, 0)
