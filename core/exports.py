"""Spreadsheet exports that cannot run as formulas: the base of every app's export Resource.

Every text cell starting with =, +, -, @, a tab or a carriage return gets a leading apostrophe so a
spreadsheet shows it rather than running it (the importer removes it), and every text is cleaned of
what an xlsx file cannot hold (core.text)."""

from import_export import resources

from core.text import clean_text

# A tab or carriage return before a formula still runs it in some spreadsheets (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if not isinstance(value, str):
        return value
    # Stored text from before forms and importers cleaned it is cleaned here, on its way out.
    value = clean_text(value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeResource(resources.ModelResource):
    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))
