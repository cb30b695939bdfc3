"""Small, pure template filters shared by every app. None of them runs a query."""

from django import template

from core.forms import summary_errors as _summary_errors

register = template.Library()

# GOV.UK tag colours for each RAG key; the words are always shown beside the colour.
_RAG_TAG_CLASSES = {
    "blue": "govuk-tag--blue",
    "green": "govuk-tag--green",
    "amber": "govuk-tag--orange",
    "red": "govuk-tag--red",
    "grey": "govuk-tag--grey",
    "none": "govuk-tag--grey",
}


@register.filter
def summary_errors(form):
    return _summary_errors(form)


@register.filter
def is_invalid(widget_attrs) -> bool:
    """True for a widget whose field has errors (Django marks it aria-invalid), for the red border."""
    return widget_attrs.get("aria-invalid") in (True, "true")


@register.filter
def rag_tag_class(rag_key):
    return _RAG_TAG_CLASSES.get(rag_key or "none", "govuk-tag--grey")


@register.inclusion_tag("includes/rag_tag.html")
def rag_tag(rag_key, label, extra=""):
    """A GOV.UK tag showing a RAG rating in words and colour."""
    return {"css_class": rag_tag_class(rag_key), "label": label, "extra": extra}
