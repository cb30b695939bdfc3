"""Understand an improvement plan spreadsheet: find the table, name its columns, read each row."""

import calendar
import dataclasses
import datetime
import re
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields

from imports.parsing.values import (
    Reading,
    clean_text,
    lead_candidates,
    leading_rec_ref,
    normalise_header,
    normalise_vocab,
    read_plain_date,
    read_reference,
    read_status_word,
    read_target_date,
    split_recommendations,
)
from imports.parsing.workbook import Sheet, column_letter, fill_merged
from imports.pipeline import BY_CHOICE, BY_NAME, BY_WORDS, ColumnMap, ColumnMatch, Problem  # noqa: F401 (Problem: for the KPI importer)

# Field -> header synonyms, compared after normalise_header (case, punctuation, spaces, NBSP).
PLAN_SYNONYMS = {
    "reference": [
        "ref",
        "ref no",
        "reference",
        "no",
        "nos",
        "number",
        "action ref",
        "action no",
        "action number",
        "action reference",
        "id",
        "item",
        "item no",
    ],
    "title": [
        "action",
        "actions",
        "what",
        "actions required",
        "action required",
        "action title",
        "actions to be taken",
        "key actions",
        "action to be taken",
    ],
    "detail": ["how", "detail", "details", "description", "action detail", "tasks", "how will we do it"],
    "lead": [
        "lead officer",
        "lead officers",
        "who",
        "responsible officer",
        "responsible officers",
        "lead",
        "leads",
        "owner",
        "action owner",
        "responsible",
        "lead s",
    ],
    "target_date": [
        "target date",
        "when",
        "timescale",
        "timescales",
        "deadline",
        "due date",
        "completion date",
        "by when",
        "target completion date",
        "due",
    ],
    "status": ["status", "current status", "progress status", "overall status"],
    "rag": ["rag", "brag", "rag rating", "rag status", "current rag", "brag rating"],
    "recommendation": [
        "recommendation",
        "recommendations",
        "ofsted recommendation",
        "ofsted recommendations",
    ],
    # A column of references only ("Rec(s)": "R1/R4") beside the recommendations' text, or instead of it.
    "recommendation_refs": [
        "rec",
        "recs",
        "rec no",
        "rec nos",
        "rec ref",
        "rec refs",
        "recommendation no",
        "recommendation ref",
        "recommendation refs",
        "recommendation number",
        "recommendation numbers",
        "ofsted rec",
        "ofsted recs",
    ],
    "theme": [
        "theme",
        "priority",
        "workstream",
        "standard",
        "practice area",
        "theme title",
        "priority area",
        "area",
        "strand",
    ],
    "theme_reference": ["theme ref", "theme no", "theme number", "priority no"],
    "success_measure": [
        "success measure",
        "success measures",
        "outcome",
        "outcomes",
        "impact measure",
        "impact measures",
        "success criteria",
        "measures of success",
        "measure of success",
    ],
    "progress": [
        "progress",
        "update",
        "progress update",
        "latest update",
        "comments",
        "progress to date",
        "latest progress",
        "commentary",
        "update on progress",
    ],
    "partner": ["partner", "partner agency", "partners", "partner agencies", "agency"],
    "start_date": ["start date", "start", "date started"],
    "revised_date": ["revised date", "revised target date", "revised timescale", "new target date", "revised deadline"],
    "target_date_note": ["target date note", "timescale note"],
    "revised_on": ["date revised", "revised on", "date of revision", "date target revised", "when revised"],
}
FIELD_LABELS = {
    "reference": "Action reference",
    "title": "Action title",
    "detail": "Detail (how)",
    "lead": "Lead",
    "target_date": "Target date",
    "status": "Status",
    "rag": "RAG",
    "recommendation": "Recommendations",
    "theme": "Theme",
    "theme_reference": "Theme reference",
    "success_measure": "Success measure",
    "progress": "Progress update",
    "partner": "Partner agency",
    "start_date": "Start date",
    "revised_date": "Revised target date",
    "target_date_note": "Target date note",
    "recommendation_refs": "Recommendation references",
    "revised_on": "Date the target was revised",
}
REQUIRED = ("reference", "title")
HEADER_LOOKUP = {synonym: name for name, synonyms in PLAN_SYNONYMS.items() for synonym in synonyms}
NOTES_START = re.compile(r"^(key|notes?|note:|source|rag key|colour key|color key|legend|\*)\b", re.IGNORECASE)
THEME_HEADING = re.compile(
    r"^(?:(?:theme|priority|workstream|standard|practice area|strand|area)\s*)?([0-9]+|[A-Z])\s*[.:)\-\u2013]?\s+(.+)$",
    re.IGNORECASE,
)


# -- Dates written in headers and in progress notes ---------------------------------------------

MONTH_NUMBERS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTH_NUMBERS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTH_NUMBERS["sept"] = 9
_MONTH = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
# "14/09/18", "14.9.2018", "14 September 2018", "14th Sept 18", "Sept 2018", "Jan 19", "Jan-19".
_DATE = (
    r"(?:(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?[ \-](?P<mon2>" + _MONTH + r")\.?,?[ \-'](?P<y2>\d{4}|\d{2})"
    r"|(?P<mon>" + _MONTH + r")\.?[ \-'/]{0,2}(?P<y3>\d{4}|\d{2}))(?![\d/])"
)
DATE_ANYWHERE = re.compile(r"\b" + _DATE, re.IGNORECASE)
# A date that starts a line, then its separator: "14/09/18 – ...", "Jan 19: ...", "March 2019 - ...".
DATE_AT_LINE_START = re.compile(r"^\s*\(?" + _DATE + r"\)?\s*(?:[:\-\u2013\u2014.,)]\s*|\s+)", re.IGNORECASE)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _date_of(match) -> datetime.date | None:
    """The date a DATE match names; a month alone is its last day, as read_target_date reads "March 2019"."""
    try:
        if match.group("d"):
            return datetime.date(_year(match.group("y")), int(match.group("m")), int(match.group("d")))
        if match.group("d2"):
            return datetime.date(
                _year(match.group("y2")), MONTH_NUMBERS[match.group("mon2").lower()], int(match.group("d2"))
            )
        year, month = _year(match.group("y3")), MONTH_NUMBERS[match.group("mon").lower()]
        return datetime.date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None


def date_in_header(text: str) -> datetime.date | None:
    """The date a header names anywhere in it ("Progress update \u2013 Jan 2019" -> 31 January 2019)."""
    match = DATE_ANYWHERE.search(clean_text(text))
    return _date_of(match) if match else None


@dataclass
class ProgressEntry:
    """One progress entry read from a cell: its date (from the text, else from its column's header, else
    None: the day of the import), the narrative, and where the date came from ("text", "header", "")."""

    date: datetime.date | None
    text: str
    dated_by: str = ""
    column: str = ""  # "K (Progress update \u2013 Jan 2019)"

    def to_json(self):
        return [self.date.isoformat() if self.date else None, self.text, self.dated_by, self.column]

    @classmethod
    def from_json(cls, item):
        return cls(datetime.date.fromisoformat(item[0]) if item[0] else None, item[1], item[2], item[3])


def split_progress(text: str, *, header_date: datetime.date | None, column: str) -> list[ProgressEntry]:
    """A progress cell as entries: a line starting with a date starts a new entry dated from it
    ("14/09/18 \u2013 Panel set up", "Jan 19: audit done"); lines before the first date, or a cell with none,
    make one entry dated from the header (or undated)."""
    entries: list[ProgressEntry] = []
    current = preamble = None
    for line in text.splitlines():
        match = DATE_AT_LINE_START.match(line)
        day = _date_of(match) if match else None
        if day is not None:
            current = ProgressEntry(day, line.strip(), "text", column)
            entries.append(current)
        elif current is not None:
            current.text = f"{current.text}\n{line}".strip()
        elif preamble is not None:
            preamble.text = f"{preamble.text}\n{line}".strip()
        elif line.strip():
            preamble = ProgressEntry(header_date, line.strip(), "header" if header_date else "", column)
            entries.insert(0, preamble)
    return [e for e in entries if e.text]


def dedupe_lead(text: str) -> str:
    """ "Nadia Karim / Nadia Karim" -> "Nadia Karim": a name written twice is written once; otherwise as written."""
    parts = [p.strip() for p in re.split(r"\s*(?:/|;|&|\n|\band\b)\s*", text) if p.strip()]
    seen, kept = set(), []
    for part in parts:
        key = re.sub(r"\s+", " ", part).lower()
        if key not in seen:
            seen.add(key)
            kept.append(part)
    return " / ".join(kept) if len(kept) < len(parts) else text


# -- Headers: recognised by their words ---------------------------------------------------------

# Single words too common to name a column when they only appear inside a longer header.
_TOO_COMMON_INSIDE = {"no", "id", "item", "what", "how", "who", "when", "due", "area", "start", "lead", "update", "rec"}
_CONTAINED = sorted(
    ((synonym, name) for synonym, name in HEADER_LOOKUP.items() if synonym not in _TOO_COMMON_INSIDE),
    key=lambda item: (-len(item[0].split()), -len(item[0])),
)
# An explanation after the header's words: "(what we will do)", "[who]", " \u2013 Jan 2019", ": how we will know", "?".
_EXPLANATION_START = re.compile(r"\s*(?:\(|\[|\s[\-\u2013\u2014]\s|[\u2013\u2014]|:|\?)")


def recognise_header(text, choices: dict | None = None) -> tuple[str, str]:
    """(field, how) for one header cell: the admin's choice; else the header is one of a field's names
    ("Who?"); else its words before an explanation ("Lead officer (who)", "Progress update \u2013 Jan 2019"),
    or inside its brackets ("Who (lead officer)"); else the longest field name its words contain
    ("Named lead officer for the action"). ("", "") when nothing matches; ("ignore", ..) when chosen so."""
    key = normalise_header(text)
    if not key:
        return "", ""
    if choices and key in choices:
        return choices[key], BY_CHOICE
    if key in HEADER_LOOKUP:
        return HEADER_LOOKUP[key], BY_NAME
    raw = clean_text(text).replace("\n", " ")
    words_before = normalise_header(_EXPLANATION_START.split(raw, maxsplit=1)[0])
    if words_before in HEADER_LOOKUP:
        return HEADER_LOOKUP[words_before], BY_WORDS
    for inside in re.findall(r"\(([^)]*)\)|\[([^\]]*)\]", raw):
        inside_key = normalise_header(" ".join(inside))
        if inside_key in HEADER_LOOKUP:
            return HEADER_LOOKUP[inside_key], BY_WORDS
    padded = f" {key} "
    for synonym, name in _CONTAINED:
        if f" {synonym} " in padded:
            return name, BY_WORDS
    return "", ""


def recognise_columns(sheet_name: str, header_row: int, cells, choices: dict | None = None) -> ColumnMap:
    """Which column of the header row is read as what. The first column recognised as a field is read as
    it; a later one with the same meaning is left unrecognised (the admin can choose it), except progress
    columns: each is read, dated from its header."""
    column_map = ColumnMap(sheet=sheet_name, header_row=header_row)
    taken = set()
    for col, cell in enumerate(cells):
        header = clean_text(cell.value).replace("\n", " ")
        if not header:
            continue
        name, how = recognise_header(header, choices)
        if name == "ignore":
            column_map.matches.append(ColumnMatch(col, header, "", "Left out", BY_CHOICE))
            continue
        if name and (name not in taken or name == "progress"):
            taken.add(name)
            date = date_in_header(header) if name == "progress" else None
            column_map.matches.append(ColumnMatch(col, header, name, FIELD_LABELS[name], how, date))
        else:
            column_map.matches.append(ColumnMatch(col, header))
    refs = column_map.first("recommendation_refs")
    if refs is not None and "recommendation" not in column_map:
        # The only recommendation column ("Recs"): read as the recommendations, references or text alike.
        index = column_map.matches.index(refs)
        column_map.matches[index] = dataclasses.replace(
            refs, field="recommendation", label=FIELD_LABELS["recommendation"]
        )
    return column_map


# -- What a parse holds -------------------------------------------------------------------------


@dataclass
class ParsedTheme:
    reference: str
    title: str
    order: int


@dataclass
class ParsedAction:
    row: int
    reference: str
    title: str
    theme_reference: str
    detail: str = ""
    recommendation_keys: list = field(default_factory=list)
    recommendation_text: str = ""
    lead: str = ""
    lead_emails: list = field(default_factory=list)
    lead_names: list = field(default_factory=list)
    partner: str = ""
    start_date: datetime.date | None = None
    target_date: datetime.date | None = None
    target_date_note: str = ""
    revised_date: datetime.date | None = None
    revised_on: datetime.date | None = None  # when the target was revised, when the file says
    success_measure: str = ""
    status_meaning: str | None = None
    rag_meaning: str | None = None
    rag_text: str = ""  # the RAG as the file wrote it ("Green"), for "the plan said Green"
    progress_text: str = ""  # the latest entry's narrative
    progress_entries: list = field(default_factory=list)  # [ProgressEntry], oldest first
    order: int = 0

    @property
    def dates(self) -> list[datetime.date]:
        """Every date the row gives: the earliest of them all is the plan's start by default."""
        found = [self.start_date, self.target_date, self.revised_date, self.revised_on]
        found += [entry.date for entry in self.progress_entries]
        return [d for d in found if d is not None]


_ACTION_DATES = ("start_date", "target_date", "revised_date", "revised_on")


@dataclass
class PlanParse:
    """What recognising a plan found: the column map, the themes and actions, the problems."""

    sheet_name: str = ""
    header_row: int | None = None
    column_map: ColumnMap = field(default_factory=ColumnMap)
    ignored_sheets: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    unmapped_values: dict = field(default_factory=dict)  # normalised -> as written
    refusal: str = ""
    # Recommendations written in the plan itself: {key: text} ("1": "R1 \u2013 Ensure that contacts ...").
    recommendations: dict = field(default_factory=dict)

    @property
    def columns(self) -> dict:
        """{field: column index} of the first column read as each field."""
        found = {}
        for match in self.column_map.recognised:
            found.setdefault(match.field, match.column)
        return found

    @property
    def headers(self) -> dict:
        return {m.column: m.header for m in self.column_map.matches}

    @property
    def unmapped_columns(self) -> list:
        return [(m.column, m.header) for m in self.column_map.unrecognised if m.how != BY_CHOICE]

    @property
    def errors(self):
        return [p for p in self.problems if p.severity == "error"]

    @property
    def earliest_date(self) -> datetime.date | None:
        return min((d for a in self.actions for d in a.dates), default=None)

    def to_json(self) -> dict:
        """Plain JSON, stored with the job so that confirming applies exactly what the preview read."""
        action_fields = [f.name for f in dataclass_fields(ParsedAction)]
        return {
            "column_map": self.column_map.as_dict(),
            "ignored_sheets": self.ignored_sheets,
            "themes": [[t.reference, t.title, t.order] for t in self.themes],
            "action_fields": action_fields,
            "actions": [[_json_value(getattr(a, name)) for name in action_fields] for a in self.actions],
            "problems": [p.as_dict() for p in self.problems],
            "unmapped_values": self.unmapped_values,
            "refusal": self.refusal,
            "recommendations": self.recommendations,
        }

    @classmethod
    def from_json(cls, data: dict) -> "PlanParse":
        names = data["action_fields"]
        actions = []
        for values in data["actions"]:
            item = dict(zip(names, values, strict=True))
            for name in set(_ACTION_DATES) & item.keys():
                item[name] = datetime.date.fromisoformat(item[name]) if item[name] else None
            item["progress_entries"] = [ProgressEntry.from_json(e) for e in item.get("progress_entries", [])]
            actions.append(ParsedAction(**item))
        column_map = ColumnMap.from_dict(data["column_map"])
        return cls(
            sheet_name=column_map.sheet,
            header_row=column_map.header_row,
            column_map=column_map,
            ignored_sheets=data["ignored_sheets"],
            themes=[ParsedTheme(*item) for item in data["themes"]],
            actions=actions,
            problems=[Problem(**p) for p in data["problems"]],
            unmapped_values=data["unmapped_values"],
            refusal=data["refusal"],
            recommendations=data.get("recommendations", {}),
        )


def _json_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list) and value and isinstance(value[0], ProgressEntry):
        return [entry.to_json() for entry in value]
    return value


# -- Finding the table --------------------------------------------------------------------------


def _score_row(cells, choices):
    fields = set()
    for cell in cells:
        name, _how = recognise_header(cell.value, choices)
        if name and name != "ignore":
            fields.add(name)
    return len(fields), fields


def find_header(sheet: Sheet, column_map: dict, scan_rows: int = 30):
    """(row index, score) of the row matching the most known column names."""
    best = (None, 0)
    for index, row in enumerate(sheet.rows[:scan_rows]):
        score, fields = _score_row(row, column_map)
        bonus = sum(1 for f in REQUIRED if f in fields)
        if score + bonus > best[1]:
            best = (index, score + bonus)
    return best


def parse_plan(sheets: list[Sheet], *, column_map: dict | None = None, value_map: dict | None = None) -> PlanParse:
    """Recognise a plan: the sheet and its header row, which column is what, then each row.
    column_map: normalised header -> field or "ignore" (the admin's choices on the preview).
    value_map: normalised status/RAG text -> meaning key or "ignore"."""
    column_map = column_map or {}
    value_map = value_map or {}
    result = PlanParse()
    if not sheets or all(not sheet.rows for sheet in sheets):
        result.refusal = "The file has no rows in it. Check you chose the right file."
        return result
    scored = [(find_header(sheet, column_map), position, sheet) for position, sheet in enumerate(sheets)]
    (header_index, score), _, sheet = max(scored, key=lambda item: (item[0][1], -item[1]))
    result.ignored_sheets = [s.name for s in sheets if s is not sheet]
    result.sheet_name = sheet.name
    if header_index is None or score < 2:
        result.refusal = (
            "No header row was found in the first 30 rows. The plan needs columns for the action "
            "reference (for example \u201cRef\u201d) and the action (for example \u201cAction\u201d)."
        )
        return result
    result.header_row = header_index + 1
    fill_merged(sheet, down=True, across=False)
    result.column_map = recognise_columns(sheet.name, result.header_row, sheet.rows[header_index], column_map)
    missing = [FIELD_LABELS[f] for f in REQUIRED if f not in result.column_map]
    if missing:
        found = ", ".join(f"\u201c{m.header}\u201d" for m in result.column_map.matches)
        result.refusal = (
            f"The {' and '.join(missing).lower()} column{'s are' if len(missing) > 1 else ' is'} missing "
            f"from the header row (row {result.header_row} of \u201c{sheet.name}\u201d, which has {found}). "
            "Rename the column, or choose it on the preview."
        )
        return result
    _RowReader(sheet, header_index, result, value_map).read()
    if not result.actions and not result.refusal:
        result.refusal = f"The sheet \u201c{sheet.name}\u201d has a header row but no actions below it."
    return result


# -- Reading the rows ---------------------------------------------------------------------------


class _RowReader:
    """Reads the rows below the header: each is a theme heading, a notes row (the table has ended), an
    action, or nothing. The carried values (the theme and a merged recommendation cell) run down the
    rows until the next heading."""

    def __init__(self, sheet: Sheet, header_index: int, result: PlanParse, value_map: dict):
        self.sheet, self.header_index, self.result, self.value_map = sheet, header_index, result, value_map
        self.cols = result.columns
        self.matches = {m.field: m for m in reversed(result.column_map.recognised)}
        self.progress_columns = result.column_map.all("progress")
        self.themes: dict[str, ParsedTheme] = {}
        self.current_theme = None
        self.carried_recommendation = None
        self.carried_theme_cell = None
        self.seen_refs: dict[str, int] = {}
        self.after_table = False

    # cells and problems
    def get(self, row, name):
        col = self.cols.get(name)
        return row[col] if col is not None and col < len(row) else None

    def text_of(self, row, name, limit=None):
        cell = self.get(row, name)
        text = clean_text(cell.value) if cell else ""
        return text[:limit] if limit else text

    def label(self, name):
        return self.matches[name].cell_label

    def problem(self, row_number, name, message, severity):
        self.result.problems.append(Problem(self.sheet.name, row_number, self.label(name), message, severity))

    def theme_for(self, reference, title):
        key = reference or str(len(self.themes) + 1)
        if key not in self.themes:
            self.themes[key] = ParsedTheme(key, (title or f"Theme {key}")[:300], len(self.themes) + 1)
        elif title and self.themes[key].title.startswith("Theme "):
            self.themes[key].title = title[:300]
        return self.themes[key]

    def read(self):
        for index in range(self.header_index + 1, len(self.sheet.rows)):
            self.read_row(self.sheet.rows[index], index + 1)
        self.report_formulas()
        used = {a.theme_reference for a in self.result.actions}
        self.result.themes = [t for t in sorted(self.themes.values(), key=lambda t: t.order) if t.reference in used]

    def read_row(self, row, row_number):
        filled = [i for i, c in enumerate(row) if not c.is_blank]
        if not filled:
            return
        ref_cell = self.get(row, "reference")
        ref_text = read_reference(ref_cell.value, ref_cell.number_format) if ref_cell else Reading("")
        title = self.text_of(row, "title")
        first_text = clean_text(row[filled[0]].value)
        if NOTES_START.match(first_text) and not (ref_text.value and title):
            self.after_table = True
            return
        if self.is_heading(filled, ref_text, title) and not self.after_table:
            self.read_heading(row, filled)
            return
        if self.after_table or (not ref_text.value and not title):
            return
        if not ref_text.value:
            if title and len(filled) <= 2 and self.result.actions:
                self.after_table = True
                return
            self.problem(
                row_number,
                "reference",
                f"Row {row_number} has an action but no reference, so it was left out.",
                "warning",
            )
            return
        if not title:
            self.problem(row_number, "title", f"Action {ref_text.value} has no title, so it was left out.", "warning")
            return
        reference = ref_text.value[:20]
        if reference in self.seen_refs:
            hint = (
                " A reference typed as a number loses its last zero (4.10 becomes 4.1): format the column as text."
                if ref_text.note == "number"
                else ""
            )
            self.problem(
                row_number,
                "reference",
                f"Action reference {reference} is used twice, in rows {self.seen_refs[reference]} and {row_number}. "
                f"Each action needs its own reference.{hint}",
                "error",
            )
            return
        self.seen_refs[reference] = row_number
        self.result.actions.append(self.read_action(row, row_number, reference, title))

    def is_heading(self, filled, ref_text, title):
        # A theme heading: only the first cell or two filled (often merged across), no title of its own.
        return (
            len(filled) <= 2
            and not (ref_text.value and title)
            and not (title and len(filled) == 1 and filled[0] == self.cols["title"] and "theme" in self.cols)
        )

    def read_heading(self, row, filled):
        text = " ".join(clean_text(row[i].value) for i in filled)
        if self.result.actions and len(text) > 150:
            self.after_table = True
            return
        match = THEME_HEADING.match(text)
        self.current_theme = (
            self.theme_for(match.group(1).upper(), match.group(2).strip()) if match else self.theme_for(None, text)
        )
        self.carried_recommendation = None
        self.carried_theme_cell = None

    def theme_of_row(self, row, reference):
        # A theme column (carried down when blank), else heading rows, else the reference's prefix.
        theme = self.current_theme
        if "theme" in self.cols:
            theme_cell = self.get(row, "theme")
            if theme_cell is not None and not theme_cell.is_blank:
                self.carried_theme_cell = clean_text(theme_cell.value)
            if self.carried_theme_cell:
                theme_ref_cell = self.get(row, "theme_reference")
                theme_ref = (
                    read_reference(theme_ref_cell.value, theme_ref_cell.number_format).value if theme_ref_cell else ""
                )
                match = THEME_HEADING.match(self.carried_theme_cell)
                if theme_ref:
                    theme = self.theme_for(theme_ref, self.carried_theme_cell)
                elif match:
                    theme = self.theme_for(match.group(1).upper(), match.group(2).strip())
                else:
                    existing = next((t for t in self.themes.values() if t.title == self.carried_theme_cell[:300]), None)
                    theme = existing or self.theme_for(None, self.carried_theme_cell)
        if theme is None:
            prefix = reference.split(".")[0] if "." in reference else ""
            theme = self.theme_for(prefix or "1", None if prefix else "Actions")
        return theme

    def read_action(self, row, row_number, reference, title) -> ParsedAction:
        action = ParsedAction(
            row=row_number,
            reference=reference,
            title=title[:500],
            theme_reference=self.theme_of_row(row, reference).reference,
            order=len(self.result.actions) + 1,
        )
        action.detail = self.text_of(row, "detail")
        action.partner = self.text_of(row, "partner", 200)
        action.success_measure = self.text_of(row, "success_measure")
        action.lead = dedupe_lead(self.text_of(row, "lead", 300))
        if action.lead:
            action.lead_emails, action.lead_names = lead_candidates(action.lead)
        self.read_recommendations(row, action)
        self.read_dates(row, row_number, action)
        self.read_progress(row, action)
        self.read_status(row, action)
        return action

    def read_recommendations(self, row, action):
        refs_cell = self.get(row, "recommendation_refs")
        if refs_cell is not None and not refs_cell.is_blank:
            keys = split_recommendations(refs_cell.value)
            if keys:
                action.recommendation_keys = keys
        if "recommendation" not in self.cols:
            return
        rec_cell = self.get(row, "recommendation")
        if rec_cell is not None and not rec_cell.is_blank:
            self.carried_recommendation = rec_cell.value
        if self.carried_recommendation is None:
            return
        keys = split_recommendations(self.carried_recommendation)
        if keys is None:
            lead_ref = leading_rec_ref(self.carried_recommendation)
            text = clean_text(self.carried_recommendation)
            action.recommendation_text = text
            if lead_ref:
                # The recommendation written in the plan itself: kept to create it when there is no inspection.
                self.result.recommendations.setdefault(lead_ref, text[:2000])
                if not action.recommendation_keys:
                    action.recommendation_keys = [lead_ref]
        elif not action.recommendation_keys:
            action.recommendation_keys = keys

    def read_dates(self, row, row_number, action):
        reference = action.reference
        for name in ("target_date", "revised_date"):
            cell = self.get(row, name)
            if cell is None or cell.is_blank:
                continue
            date, note, reading = read_target_date(cell.value, cell.number_format)
            if reading.problem:
                self.problem(row_number, name, f"Action {reference}: {reading.problem}.", "error")
                continue
            setattr(action, name, date)
            if name == "target_date":
                action.target_date_note = note
            if reading.note:
                self.problem(row_number, name, f"Action {reference}: {reading.note}.", "guess")
        if "target_date_note" in self.cols and not action.target_date_note:
            action.target_date_note = self.text_of(row, "target_date_note", 200)
        for name, what in (("start_date", "the start date"), ("revised_on", "the date it was revised")):
            cell = self.get(row, name)
            if cell is None or cell.is_blank:
                continue
            reading = read_plain_date(cell.value)
            if reading.problem:
                self.problem(
                    row_number, name, f"Action {reference}: {reading.problem}; {what} was left blank.", "warning"
                )
            setattr(action, name, reading.value)

    def read_progress(self, row, action):
        entries = []
        for match in self.progress_columns:
            cell = row[match.column] if match.column < len(row) else None
            text = clean_text(cell.value) if cell is not None and not cell.is_blank else ""
            if text:
                entries += split_progress(text, header_date=match.date, column=match.cell_label)
        # Oldest first; an undated entry (the day of the import) last. Python's sort keeps the file's order.
        entries.sort(key=lambda e: (e.date is None, e.date or datetime.date.min))
        action.progress_entries = entries
        action.progress_text = entries[-1].text if entries else ""

    def read_status(self, row, action):
        for name, attr in (("status", "status_meaning"), ("rag", "rag_meaning")):
            cell = self.get(row, name)
            if cell is None or cell.is_blank:
                continue
            key = normalise_vocab(cell.value)
            meaning = self.value_map.get(key) or read_status_word(cell.value)
            if meaning == "ignore":
                continue
            if meaning is None:
                self.result.unmapped_values.setdefault(key, clean_text(cell.value))
                continue
            setattr(action, attr, meaning)
            if name == "rag":
                action.rag_text = clean_text(cell.value)[:40]

    def report_formulas(self):
        filled_columns = {m.column for m in self.result.column_map.recognised}
        for row, col in self.sheet.formula_cells_without_value:
            if row > self.header_index and col in filled_columns:
                self.result.problems.append(
                    Problem(
                        self.sheet.name,
                        row + 1,
                        f"{column_letter(col)} ({self.result.headers.get(col, '')})",
                        "This cell holds a formula with no saved result. Formulas are never run: its text was kept "
                        "as it is written.",
                        "guess",
                    )
                )
