"""Template filters for the plan. None runs a query."""

from django import template

from improvement.rules import complete_without_evidence, rag_label, state_rag_reason
from improvement.rules import risk_rating as rating

register = template.Library()


@register.filter
def rag_words(rag):
    return rag_label(rag) if rag else ""


@register.inclusion_tag("improvement/includes/action_rag.html")
def action_rag(state):
    """The one RAG of an action state, in words and colour, with its reason (improvement.rules.rag_reason)
    and the "complete, no evidence of impact" flag."""
    return {
        "rag": state.rag,
        "label": rag_label(state.rag),
        "reason": state_rag_reason(state),
        "no_evidence": complete_without_evidence(state),
    }


@register.filter
def risk_rating(risk):
    """(words, RAG key) for a Risk: improvement.rules.risk_rating."""
    return rating(risk.likelihood, risk.impact)
