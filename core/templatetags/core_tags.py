"""Small, pure template filters shared by every app. None of them runs a query, except cachedfragment
(the data version and the cache, when page caching is on)."""

from django import template
from django.utils.html import format_html

from core import cache, formats
from core.forms import summary_errors as _summary_errors
from core.panels import panels_for

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
def govuk_date(value, style="long"):
    """{{ day|govuk_date }} -> "2 December 2026"; a style of core.formats.date_words ("short", "weekday",
    "month", ...) after the colon. Takes a date, a datetime (its local day) or ISO text; empty for none."""
    try:
        day = formats.as_date(value)
    except ValueError:
        return value
    return formats.date_words(day, style) if day else ""


@register.filter
def govuk_time(value) -> str:
    """{{ moment|govuk_time }} -> "10am", "10:30am", "midday" (local time); empty for none."""
    return formats.time_words(value) if value else ""


@register.filter
def govuk_datetime(value) -> str:
    """{{ moment|govuk_datetime }} -> "2 December 2026 at 10:30am" (local time); empty for none."""
    return formats.datetime_words(value) if value else ""


@register.filter
def person_name(user) -> str:
    """{{ user|person_name }}: full name, else username; empty for nobody."""
    return formats.person_name(user)


@register.filter
def unit_value(value, measure) -> str:
    """{{ value|unit_value:indicator }} -> "23.5%", "42.1 per 10,000", "33 days": core.formats.value_words in
    the unit and decimal places of `measure` (anything with unit and decimal_places, such as an Indicator)."""
    return formats.value_words(value, measure.unit, measure.decimal_places)


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


@register.simple_tag
def rag_tag(rag_key, label, extra=""):
    """A GOV.UK tag showing a RAG rating in words and colour. Built here rather than from a template: a
    board pack shows hundreds, and an inclusion tag renders a template with a fresh context for each."""
    tag = format_html('<strong class="govuk-tag app-rag {}">{}</strong>', rag_tag_class(rag_key), label)
    if extra:
        tag += format_html(' <span class="govuk-body-s app-rag__extra">{}</span>', extra)
    return tag


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist, name, parts, reads=None):
        self.nodelist, self.name, self.parts, self.reads = nodelist, name, parts, reads

    def render(self, context):
        request = context.get("request")
        if request is None:
            return self.nodelist.render(context)
        parts = [part.resolve(context) for part in self.parts]
        reads = self.reads.resolve(context) if self.reads is not None else None
        # Through cache.cached even with the cache off: it checks the declared reads (PAGE_CACHE_CHECK_READS).
        return cache.cached(
            request, f"fragment:{self.name}", lambda: self.nodelist.render(context), parts=parts, reads=reads
        )


@register.tag
def cachedfragment(parser, token):
    """{% cachedfragment "name" part ... [reads=tables] %}...{% endcachedfragment %}: the rendered block, cached by
    data version and today's date (core/cache.py) plus the parts given (a meeting's id; core.cache.roles_part(user)
    when the block differs by role). With reads= (a list of models or tables from the context) the key moves only
    at writes to those tables. Only for blocks every reader sees alike: never a form (CSRF token) or a user's own
    data. On a hit nothing inside is rendered, so pass the block's data as core.cache.lazy values."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("cachedfragment needs a name")
    nodelist = parser.parse(("endcachedfragment",))
    parser.delete_first_token()
    name = bits[1].strip("\"'")
    reads = None
    parts = []
    for bit in bits[2:]:
        if bit.startswith("reads="):
            reads = parser.compile_filter(bit.removeprefix("reads="))
        else:
            parts.append(parser.compile_filter(bit))
    return CachedFragmentNode(nodelist, name, parts, reads)


@register.simple_tag(takes_context=True)
def linked_panels(context, obj):
    """What higher apps show on a lower app's page (core/panels.py); each provider costs its own queries.
    Providers that asked for it are given the signed-in reader (the context's `user`)."""
    return panels_for(obj, context.get("user"))
