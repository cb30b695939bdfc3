"""Reading single cell values the many ways people type them. Each function returns what it
understood plus, when it had to guess, a plain-English note for the preview."""

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.formats import date_words

NBSP_LIKE = "\u00a0\u2007\u202f\ufeff\u200b"
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
MONTH_PATTERN = "|".join(sorted(MONTHS, key=len, reverse=True))
NEEDS_CLEANING = re.compile("[" + NBSP_LIKE + "\r\n\t]|  ")


def clean_text(value) -> str:
    """Text with non-breaking spaces made ordinary, runs of spaces squeezed, ends trimmed.

    Formula-like text ("=HYPERLINK(...)") is kept exactly as typed: it is only ever stored and
    shown as text."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y") if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not NEEDS_CLEANING.search(text):
        # The common case, a plain line of text: only the ends to trim (20,000-row plans call this 250,000 times).
        text = text.strip()
        if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
            text = text[1:]
        return text
    for ch in NBSP_LIKE:
        text = text.replace(ch, " ")
    lines = [
        re.sub(r"[ \t]+", " ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    text = "\n".join(lines).strip()
    # Our exports put an apostrophe before text a spreadsheet would run (=, +, -, @); take it off again.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


def normalise_header(value) -> str:
    text = clean_text(value).lower().replace("&", " and ")
    text = re.sub(r"\(s\)", "s", text)
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def decimals_in_format(number_format: str) -> int | None:
    match = re.search(r"0\.(0+)", number_format or "")
    return len(match.group(1)) if match else None


@dataclass(frozen=True)
class Reading:
    """A value read from a cell: the result, what the cell said, and a note when it was a guess."""

    value: object
    note: str = ""  # e.g. "'Summer 2019' read as 31 August 2019"
    problem: str = ""  # a reason the value could not be used


def read_reference(value, number_format="General") -> Reading:
    if value is None:
        return Reading("")
    if isinstance(value, float):
        places = decimals_in_format(number_format)
        if places is not None:
            return Reading(f"{value:.{places}f}")
        text = repr(value).rstrip("0").rstrip(".") if "." in repr(value) else repr(value)
        if "e" in text:
            text = f"{value:g}"
        # 4.10 typed as a number arrives as 4.1; the note explains a clash with a real 4.1.
        return Reading(text, note="number")
    if isinstance(value, int):
        return Reading(str(value))
    return Reading(
        clean_text(value).replace(" ", "").rstrip(".") if len(clean_text(value)) <= 20 else clean_text(value)
    )


# -- Dates ---------------------------------------------------------------------------------

SEASON_END = {"spring": (5, 31), "summer": (8, 31), "autumn": (11, 30), "fall": (11, 30)}
NO_DATE_WORDS = {
    "ongoing",
    "monthly",
    "quarterly",
    "annually",
    "annual",
    "weekly",
    "done",
    "complete",
    "completed",
    "tbc",
    "tba",
    "tbd",
    "n a",
    "na",
    "continuous",
    "in place",
    "immediate",
    "immediately",
    "ongoing monthly",
}


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def financial_quarter_end(quarter: int, start_year: int) -> datetime.date:
    return {
        1: datetime.date(start_year, 6, 30),
        2: datetime.date(start_year, 9, 30),
        3: datetime.date(start_year, 12, 31),
        4: datetime.date(start_year + 1, 3, 31),
    }[quarter]


def _fmt(date: datetime.date) -> str:
    return date_words(date)


def read_target_date(value, number_format="General") -> tuple[datetime.date | None, str, Reading]:
    """(date, note to keep in Action.target_date_note, reading with the guess or problem).

    An exact date keeps no note; a period keeps its text and is stored as the period's end."""
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return None, "", Reading(None)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        fmt = (number_format or "").lower()
        if "d" not in fmt.replace("[$-", "") and ("m" in fmt or "y" in fmt) and fmt != "general":
            end = month_end(value.year, value.month)
            label = date_words(value, "month")
            return end, label, Reading(end, note=f"\u201c{label}\u201d (a month) read as {_fmt(end)}")
        return value, "", Reading(value)
    if isinstance(value, (int, float)):
        return (
            None,
            clean_text(value),
            Reading(None, problem=f"\u201c{clean_text(value)}\u201d is a number, not a date"),
        )
    original = clean_text(value)
    text = original.lower().replace(",", " ")
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^(by|end of|end|before|due|the end of|by the end of|by end of)\s+", "", text)
    text = re.sub(r"^(by|end of)\s+", "", text)

    def period(date, what="a period"):
        return date, original[:200], Reading(date, note=f"\u201c{original}\u201d read as {_fmt(date)}")

    def exact(day, month, year):
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            return None, original[:200], Reading(None, problem=f"\u201c{original}\u201d is not a real date")
        return date, "", Reading(date)

    match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?(?: of)? (" + MONTH_PATTERN + r")\.? (\d{2}|\d{4})", text)
    if match:
        return exact(int(match.group(1)), MONTHS[match.group(2)], _year(match.group(3)))
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", text)
    if match:
        return exact(int(match.group(1)), int(match.group(2)), _year(match.group(3)))
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?: 00:00:00)?", text)
    if match:
        return exact(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    match = re.fullmatch(r"(\d{1,2})[ \-](" + MONTH_PATTERN + r")[ \-](\d{2}|\d{4})", text)
    if match:
        return exact(int(match.group(1)), MONTHS[match.group(2)], _year(match.group(3)))
    match = re.fullmatch(r"(" + MONTH_PATTERN + r")\.?[ \-'/]*(\d{2}|\d{4})", text)
    if match:
        return period(month_end(_year(match.group(2)), MONTHS[match.group(1)]))
    match = re.fullmatch(r"(\d{1,2})[/\-](\d{4})", text)
    if match and 1 <= int(match.group(1)) <= 12:
        return period(month_end(int(match.group(2)), int(match.group(1))))
    match = re.fullmatch(r"(spring|summer|autumn|fall|winter) (?:term )?(\d{2}|\d{4})", text)
    if match:
        year = _year(match.group(2))
        if match.group(1) == "winter":
            return period(month_end(year + 1, 2))
        month, day = SEASON_END[match.group(1)]
        return period(datetime.date(year, month, day))
    match = re.fullmatch(r"q([1-4])[ \-]*(?:fy)?\s*(\d{2}|\d{4})\s*[/\-]\s*(\d{2}|\d{4})", text)
    if match:
        return period(financial_quarter_end(int(match.group(1)), _year(match.group(2))))
    match = re.fullmatch(r"(?:fy ?)?(\d{4})\s*[/\-]\s*(\d{2}|\d{4})", text)
    if match and _year(match.group(2)) % 100 == (int(match.group(1)) + 1) % 100:
        return period(datetime.date(int(match.group(1)) + 1, 3, 31))
    match = re.fullmatch(r"(\d{4})", text)
    if match:
        return period(datetime.date(int(match.group(1)), 12, 31))
    if re.sub(r"[^a-z ]", " ", text).strip() in NO_DATE_WORDS or text in NO_DATE_WORDS:
        return (
            None,
            original[:200],
            Reading(None, note=f"\u201c{original}\u201d is not a date: kept as a note, with no target date"),
        )
    return (
        None,
        original[:200],
        Reading(None, note=f"\u201c{original}\u201d could not be read as a date: kept as a note, with no target date"),
    )


def read_plain_date(value) -> Reading:
    """Start dates and other exact dates."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Reading(None)
    date, _note, reading = read_target_date(value)
    if reading.problem or reading.note and date is None:
        return Reading(None, problem=reading.problem or f"\u201c{clean_text(value)}\u201d is not a date")
    return Reading(date, note=reading.note)


DATE_AT_START = re.compile(
    r"^\s*(?:(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})|(\d{1,2})(?:st|nd|rd|th)? ("
    + MONTH_PATTERN
    + r") (\d{4})|("
    + MONTH_PATTERN
    + r") (\d{4}))\b",
    re.IGNORECASE,
)


def date_in_progress_text(text: str) -> datetime.date | None:
    """The date at the start of any line of a progress note ("12/03/19: ...", "March 2019 - ..."); the latest wins."""
    found = []
    for line in text.splitlines():
        match = DATE_AT_START.match(line)
        if not match:
            continue
        try:
            if match.group(1):
                found.append(datetime.date(_year(match.group(3)), int(match.group(2)), int(match.group(1))))
            elif match.group(4):
                found.append(datetime.date(int(match.group(6)), MONTHS[match.group(5).lower()], int(match.group(4))))
            else:
                found.append(month_end(int(match.group(8)), MONTHS[match.group(7).lower()]))
        except ValueError:
            continue
    return max(found) if found else None


# -- Status and RAG ------------------------------------------------------------------------

# Meaning keys the admin can also choose on the preview for values we do not recognise.
MEANINGS = {
    "complete": ("complete", "", "blue"),
    "on_track": ("in_progress", "on_track", "green"),
    "at_risk": ("in_progress", "at_risk", "amber"),
    "off_track": ("in_progress", "off_track", "red"),
    "not_started": ("not_started", "", "grey"),
    "closed": ("closed", "", "blue"),
    "in_progress": ("in_progress", "", ""),
}
MEANING_LABELS = {
    "complete": "Complete (blue)",
    "on_track": "In progress, on track (green)",
    "at_risk": "In progress, at risk (amber)",
    "off_track": "In progress, off track (red)",
    "not_started": "Not started (grey)",
    "closed": "Closed or superseded",
    "in_progress": "In progress (no judgement)",
    "ignore": "Ignore this value",
}
STATUS_WORDS = {
    "b": "complete",
    "blue": "complete",
    "done": "complete",
    "complete": "complete",
    "completed": "complete",
    "achieved": "complete",
    "met": "complete",
    "finished": "complete",
    "delivered": "complete",
    "complete and embedded": "complete",
    "completed and embedded": "complete",
    "g": "on_track",
    "green": "on_track",
    "on target": "on_track",
    "on track": "on_track",
    "on schedule": "on_track",
    "a": "at_risk",
    "amber": "at_risk",
    "yellow": "at_risk",
    "at risk": "at_risk",
    "some slippage": "at_risk",
    "r": "off_track",
    "red": "off_track",
    "slipped": "off_track",
    "behind schedule": "off_track",
    "behind": "off_track",
    "delayed": "off_track",
    "off track": "off_track",
    "off target": "off_track",
    "overdue": "off_track",
    "not on track": "off_track",
    "not achieved": "off_track",
    "not due yet": "not_started",
    "not yet due": "not_started",
    "not started": "not_started",
    "not yet started": "not_started",
    "grey": "not_started",
    "gray": "not_started",
    "future": "not_started",
    "in progress": "in_progress",
    "ongoing": "in_progress",
    "started": "in_progress",
    "underway": "in_progress",
    "under way": "in_progress",
    "progressing": "in_progress",
    "superseded": "closed",
    "closed": "closed",
    "no longer required": "closed",
    "withdrawn": "closed",
    "merged": "closed",
    "closed or superseded": "closed",
}


def normalise_vocab(value) -> str:
    text = clean_text(value).lower()
    text = re.sub(r"[^a-z ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def read_status_word(value) -> str | None:
    """A meaning key for a status or RAG cell, or None when unrecognised. Handles "Red - behind schedule"."""
    if value is None:
        return None
    whole = normalise_vocab(value)
    if not whole:
        return None
    if whole in STATUS_WORDS:
        return STATUS_WORDS[whole]
    head = re.split(r"\s[-\u2013\u2014:(/]\s?|[-\u2013\u2014:(]", clean_text(value).lower(), maxsplit=1)[0]
    head = normalise_vocab(head)
    if head in STATUS_WORDS:
        return STATUS_WORDS[head]
    first = whole.split(" ")[0]
    if first in {"red", "amber", "green", "blue", "grey", "gray", "complete", "completed", "done"}:
        return STATUS_WORDS[first]
    return None


# -- Recommendations and leads ------------------------------------------------------------------

REC_SPLIT = re.compile(r"\s*(?:[,;/&+|\n]|\band\b)\s*", re.IGNORECASE)


def normalise_rec_ref(text: str) -> str:
    text = clean_text(text).upper().replace(" ", "")
    text = re.sub(r"^(RECOMMENDATION|RECS?|R)\.?", "", text)
    return text.rstrip(".").lstrip("0") or text


def split_recommendations(value) -> list[str] | None:
    """Reference keys from "R1/R4", "1, 3 and 5", "Rec 2; Rec 6"; None when the cell is prose."""
    text = clean_text(value)
    if not text:
        return []
    parts = [p for p in REC_SPLIT.split(text) if p.strip()]
    keys = []
    for part in parts:
        if not re.fullmatch(r"(?:recommendations?|recs?|r)?\s*\.?\s*\d+[a-z]?(?:\.\d+)?", part.strip(), re.IGNORECASE):
            return None
        keys.append(normalise_rec_ref(part))
    return keys


def leading_rec_ref(value) -> str | None:
    """ "R3: Improve ..." or "3. Improve ..." -> "3"."""
    match = re.match(
        r"\s*((?:recommendation|rec|r)?\s*\d+[a-z]?)\s*[.:)\-\u2013]\s+\S", clean_text(value), re.IGNORECASE
    )
    return normalise_rec_ref(match.group(1)) if match else None


EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def lead_candidates(text: str) -> tuple[list[str], list[str]]:
    """(emails, names) that might identify the lead as a user. "Jo Bloggs (Head of CIN)" -> names ["jo bloggs"]."""
    emails = [e.lower() for e in EMAIL.findall(text)]
    without_brackets = re.sub(r"\([^)]*\)", " ", EMAIL.sub(" ", text))
    names = []
    for part in re.split(r"\s*(?:/|&|;|,|\band\b|\n)\s*", without_brackets):
        part = re.sub(r"\s+", " ", part).strip(" -").lower()
        if part and len(part.split()) >= 2:
            names.append(part)
    return emails, names


# -- Numbers and periods (KPIs) ----------------------------------------------------------------

NO_VALUE = {"-", "\u2013", "\u2014", "..", "...", "tbc", "not yet available", "nya", "n y a"}
NOT_APPLICABLE = {"n/a", "na", "n.a.", "not applicable"}
SUPPRESSION = {"c", "x", "z", "k", "u"}


def read_number(value, number_format="General") -> Reading:
    """A Decimal, or None with value "missing:<reason>" in note, or a problem.

    Fractions shown with a % format become percentages (0.873 -> 87.3)."""
    if value is None:
        return Reading(None)
    if isinstance(value, bool):
        return Reading(None, problem=f"\u201c{value}\u201d is not a number")
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (number_format or ""):
            number = number * 100
        return Reading(_tidy(number))
    if isinstance(value, (datetime.date, datetime.datetime)):
        return Reading(None, problem=f"\u201c{clean_text(value)}\u201d is a date, not a number")
    text = clean_text(value)
    lowered = text.lower()
    if not text:
        return Reading(None)
    if lowered in NO_VALUE:
        return Reading(None, note="missing:not_yet_available")
    if lowered in NOT_APPLICABLE:
        return Reading(None, note="missing:not_applicable")
    if lowered in SUPPRESSION or lowered.strip("[]") in SUPPRESSION:
        return Reading(None, note="missing:suppressed")
    cleaned = text.replace(",", "").replace("\u00a3", "").replace(" ", "")
    percent = cleaned.endswith("%")
    cleaned = cleaned.rstrip("%")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return Reading(None, problem=f"\u201c{text}\u201d is not a number")
    if not number.is_finite():
        return Reading(None, problem=f"\u201c{text}\u201d is not a number")
    return Reading(_tidy(number), note="percent" if percent else "")


def _tidy(number: Decimal) -> Decimal:
    # Four decimal places is what the database keeps; float noise (87.30000000001) goes.
    tidy = number.quantize(Decimal("0.0001"))
    return tidy.normalize() if tidy != tidy.to_integral() else tidy.quantize(Decimal("1"))


@dataclass(frozen=True)
class PeriodHeader:
    start: datetime.date
    frequency: str  # monthly | quarterly | annual


def financial_year_start(year_text: str) -> int | None:
    match = re.fullmatch(r"(?:fy ?)?(\d{2}|\d{4})\s*[/\-]\s*(\d{2}|\d{4})", year_text.strip().lower())
    if match and _year(match.group(2)) % 100 == (_year(match.group(1)) + 1) % 100:
        return _year(match.group(1))
    return None


def read_period_header(value, number_format="General", *, group_year: int | None = None) -> PeriodHeader | None:
    """A column header that names a period: a real date, "Jan 2019", "2019-01", "Jan-19", "Q1 19/20", "2019/20".

    A bare month ("Apr") takes its year from the merged financial-year heading above (group_year)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return PeriodHeader(value.replace(day=1), "monthly")
    if isinstance(value, (int, float)):
        return None
    text = re.sub(r"\s+", " ", clean_text(value).lower()).strip()
    match = re.fullmatch(r"(" + MONTH_PATTERN + r")\.?[ \-'/]*(\d{2}|\d{4})", text)
    if match:
        return PeriodHeader(datetime.date(_year(match.group(2)), MONTHS[match.group(1)], 1), "monthly")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-01)?", text)
    if match and 1 <= int(match.group(2)) <= 12:
        return PeriodHeader(datetime.date(int(match.group(1)), int(match.group(2)), 1), "monthly")
    match = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if match and 1 <= int(match.group(1)) <= 12:
        return PeriodHeader(datetime.date(int(match.group(2)), int(match.group(1)), 1), "monthly")
    match = re.fullmatch(r"q([1-4])[ \-]*(?:fy ?)?(\d{2}|\d{4}\s*[/\-]\s*\d{2,4}|\d{2}\s*[/\-]\s*\d{2})", text)
    if match:
        start_year = financial_year_start(match.group(2)) if re.search(r"[/\-]", match.group(2)) else None
        if start_year is not None:
            quarter = int(match.group(1))
            month = {1: 4, 2: 7, 3: 10, 4: 1}[quarter]
            return PeriodHeader(datetime.date(start_year + (1 if quarter == 4 else 0), month, 1), "quarterly")
    start_year = financial_year_start(text)
    if start_year is not None:
        return PeriodHeader(datetime.date(start_year, 4, 1), "annual")
    if group_year is not None:
        match = re.fullmatch(r"(" + MONTH_PATTERN + r")\.?", text)
        if match:
            month = MONTHS[match.group(1)]
            return PeriodHeader(datetime.date(group_year + (1 if month <= 3 else 0), month, 1), "monthly")
        match = re.fullmatch(r"q([1-4])", text)
        if match:
            quarter = int(match.group(1))
            return PeriodHeader(
                datetime.date(group_year + (1 if quarter == 4 else 0), {1: 4, 2: 7, 3: 10, 4: 1}[quarter], 1),
                "quarterly",
            )
    return None


def period_text(value) -> PeriodHeader | None:
    """A period in a long file's period column; a full date means that month."""
    return read_period_header(value)


# -- Polarity and targets in words (KPIs) ---------------------------------------------------------

# "Which way is better" as scorecards write it. Info, context, data only: a measure with no
# polarity, which is never RAG rated. Keys are normalise_vocab()'d ("N/A" -> "n a").
POLARITY_WORDS = {
    **dict.fromkeys(
        [
            "higher",
            "high",
            "h",
            "up",
            "higher is better",
            "high is better",
            "high is good",
            "higher is good",
            "higher better",
            "bigger is better",
            "more is better",
            "increase",
            "increase is good",
            "a high value is good",
            "up is good",
            "good is high",
            "good is higher",
            "maximise",
            "maximize",
        ],
        "higher",
    ),
    **dict.fromkeys(
        [
            "lower",
            "low",
            "l",
            "down",
            "lower is better",
            "low is better",
            "low is good",
            "lower is good",
            "lower better",
            "smaller is better",
            "less is better",
            "fewer is better",
            "decrease",
            "decrease is good",
            "a low value is good",
            "down is good",
            "good is low",
            "good is lower",
            "minimise",
            "minimize",
        ],
        "lower",
    ),
    **dict.fromkeys(
        [
            "close",
            "t",
            "close to target",
            "close to target is better",
            "stay close to target",
            "in range",
            "within range",
            "on target",
            "target",
            "range",
        ],
        "close",
    ),
    **dict.fromkeys(
        [
            "none",
            "n a",
            "na",
            "info",
            "information",
            "for information",
            "info only",
            "context",
            "contextual",
            "context only",
            "no polarity",
            "neutral",
            "data only",
            "monitor",
            "monitoring",
            "monitoring only",
            "demand",
            "demand measure",
            "not applicable",
            "trend",
        ],
        "none",
    ),
}
UP_ARROWS = set("\u2191\u25b2\u2b06\u21e7\u25b4\u2197")
DOWN_ARROWS = set("\u2193\u25bc\u2b07\u21e9\u25be\u2198")
BOTH_ARROWS = set("\u2195\u2194\u21d5")


def read_polarity(value) -> str | None:
    """ "higher", "lower", "close" or "none" from the words or arrows a scorecard uses; None when unknown.

    "Higher is better", "High", "↑", "▲ good" -> higher; "Info", "Context", "N/A" -> none."""
    text = clean_text(value)
    if not text:
        return None
    symbols = set(text)
    if symbols & UP_ARROWS and not symbols & DOWN_ARROWS:
        return "higher"
    if symbols & DOWN_ARROWS and not symbols & UP_ARROWS:
        return "lower"
    if symbols & BOTH_ARROWS:
        return "close"
    words = normalise_vocab(text)
    if words in POLARITY_WORDS:
        return POLARITY_WORDS[words]
    # "Higher - more children seen quickly", "Lower (fewer re-referrals)": the first words decide.
    head = normalise_vocab(re.split(r"[-\u2013\u2014:(/,;]", text, maxsplit=1)[0])
    return POLARITY_WORDS.get(head)


@dataclass(frozen=True)
class TargetReading:
    """A target as a scorecard writes it: "85%", "Less than 22%", "≥ 90%", "Between 8 and 12", "No target".

    kind: "value" (a bare figure, no direction), "at_least", "at_most", "band", "none" (the file says
    there is no target) or "" (blank, or a problem). `polarity` is the direction the words imply
    ("" when they imply none); `value` the figure to meet (a band's midpoint); `lower`/`upper` a band's
    ends."""

    kind: str
    value: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    problem: str = ""

    @property
    def polarity(self) -> str:
        return {"at_least": "higher", "at_most": "lower", "band": "close"}.get(self.kind, "")


NO_TARGET_WORDS = {
    "no target",
    "none",
    "n a",
    "na",
    "not applicable",
    "no target set",
    "not set",
    "tbc",
    "tba",
    "info",
    "info only",
    "context",
    "data only",
    "monitor",
    "monitoring only",
    "baseline",
    "baseline year",
}
_AT_LEAST = (
    r"(?:>=|=>|\u2265|>|\u2267|at least|no less than|not less than|no fewer than|not fewer than|above|over|"
    r"more than|greater than|higher than|minimum(?: of)?|min\.?|exceed|exceeds|exceeding|better than)"
)
_AT_MOST = (
    r"(?:<=|=<|\u2264|<|\u2266|at most|no more than|not more than|no higher than|not higher than|below|under|"
    r"less than|fewer than|lower than|maximum(?: of)?|max\.?|up to|not exceeding|within)"
)
_AT_LEAST_AFTER = r"(?:or more|or above|or higher|or greater|or over|and above|and over|\+|plus|minimum|min)"
_AT_MOST_AFTER = r"(?:or less|or fewer|or below|or lower|or under|and below|and under|maximum|max)"
_NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)\s*(%|percent|per cent|pp)?"


def _target_number(text: str, number_format: str) -> Decimal | None:
    reading = read_number(text.replace("percent", "%").replace("per cent", "%").replace("pp", ""), "General")
    return reading.value if isinstance(reading.value, Decimal) else None


def read_target(value, number_format="General") -> TargetReading:
    """A target cell in figures or in words (see TargetReading). A fraction in a % cell is a percentage."""
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return TargetReading("")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        reading = read_number(value, number_format)
        return TargetReading("value", value=reading.value)
    text = clean_text(value)
    lowered = re.sub(r"\s+", " ", text.lower()).strip()
    lowered = re.sub(r"^(?:target|local target|our target|aim|goal)\s*(?:is|of|:|-|=)?\s*", "", lowered)
    if normalise_vocab(lowered) in NO_TARGET_WORDS or lowered in {"-", "\u2013", "\u2014"}:
        return TargetReading("none")
    number = _NUMBER
    match = re.fullmatch(
        r"(?:between|from|in the range|range)?\s*" + number + r"\s*(?:and|to|-|\u2013|\u2014)\s*" + number,
        lowered,
    )
    if match:
        lower, upper = _target_number(match.group(1), number_format), _target_number(match.group(3), number_format)
        if lower is not None and upper is not None:
            lower, upper = min(lower, upper), max(lower, upper)
            return TargetReading("band", value=_tidy((lower + upper) / 2), lower=lower, upper=upper)
    for kind, before, after in (("at_least", _AT_LEAST, _AT_LEAST_AFTER), ("at_most", _AT_MOST, _AT_MOST_AFTER)):
        match = re.fullmatch(before + r"\s*" + number + r"\.?", lowered) or re.fullmatch(
            number + r"\s*" + after + r"\.?", lowered
        )
        if match:
            figure = _target_number(match.group(1), number_format)
            if figure is not None:
                return TargetReading(kind, value=figure)
    reading = read_number(lowered, number_format)
    if isinstance(reading.value, Decimal):
        return TargetReading("value", value=reading.value)
    return TargetReading(
        "",
        problem=f"\u201c{text}\u201d is not a target we can read (for example \u201c85%\u201d, "
        "\u201cLess than 22%\u201d, \u201c\u2265 90%\u201d, \u201cBetween 8 and 12\u201d or \u201cNo target\u201d)",
    )
