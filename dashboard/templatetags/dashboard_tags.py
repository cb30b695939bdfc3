from django import template

from improvement.rules import rag_label

register = template.Library()


@register.filter
def action_rag_label(rag_key):
    """The council's wording for an action RAG key (configured in settings)."""
    return rag_label(rag_key)
