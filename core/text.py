"""One cleaning for every text a person or a file gives the service, and for every text it writes.

Word (.docx) and Excel (.xlsx) files are XML, and XML 1.0 cannot hold most control characters:
one vertical tab (what Word's line breaks become when pasted) made every board pack download
fail. PostgreSQL cannot store a NUL at all. So text is cleaned where it comes in (forms and the
importers' cells) and again where files are written, because records stored before this cleaning
are append-only and are never rewritten.
"""

import re

# Vertical tab and form feed are line breaks to the person who typed them.
_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
# Everything else XML 1.0 cannot hold: C0 controls other than tab, line feed and carriage return;
# lone surrogates (never valid Unicode text); and the non-characters U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """The text with vertical tabs and form feeds as line breaks and other control characters dropped.

    Tab, line feed and carriage return are kept; letters of every script, combining marks,
    right-to-left marks and emoji are kept as they are.
    """
    if not isinstance(value, str):
        return value
    return _NOT_XML.sub("", value.translate(_LINE_BREAKS))


def clean_nested(value):
    """clean_text applied to every string inside plain data (dicts, lists, tuples), for file writers."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: clean_nested(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(clean_nested(item) for item in value)
    return value


def duration_words(seconds: float) -> str:
    """A setting's length of time in words: '1 minute', '60 minutes', '12 hours'.

    Whole hours above one are said in hours; anything else in minutes. One wording for every page
    and message that names a timeout, so the cookies page and the sign-out message agree.
    """
    minutes = int(seconds // 60)
    if minutes % 60 == 0 and minutes > 60:
        return f"{minutes // 60} hours"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
