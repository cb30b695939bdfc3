"""Understand an improvement plan spreadsheet: find the table, name its columns, read each row."""

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
from imports.pipeline import Problem  # noqa: F401  (kept importable from here for the KPI importer)

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
        "rec",
        "recs",
        "rec no",
        "recommendation no",
        "recommendation ref",
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
}
REQUIRED = ("reference", "title")
HEADER_LOOKUP = {synonym: name for name, synonyms in PLAN_SYNONYMS.items() for synonym in synonyms}
NOTES_START = re.compile(r"^(key|notes?|note:|source|rag key|colour key|color key|legend|\*)\b", re.IGNORECASE)
THEME_HEADING = re.compile(
    r"^(?:(?:theme|priority|workstream|standard|practice area|strand|area)\s*)?([0-9]+|[A-Z])\s*[.:)\-\u2013]?\s+(.+)$",
    re.IGNORECASE,
)


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
    success_measure: str = ""
    status_meaning: str | None = None
    rag_meaning: str | None = None
    progress_text: str = ""
    order: int = 0


@dataclass
class PlanParse:
    sheet_name: str = ""
    header_row: int | None = None
    columns: dict = field(default_factory=dict)  # field -> column index
    headers: dict = field(default_factory=dict)  # column index -> header text
    unmapped_columns: list = field(default_factory=list)  # [(column index, header text)]
    ignored_sheets: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    unmapped_values: dict = field(default_factory=dict)  # normalised -> as written
    refusal: str = ""

    @property
    def errors(self):
        return [p for p in self.problems if p.severity == "error"]

    def to_json(self) -> dict:
        """Plain JSON, stored with the job so that confirming applies exactly what the preview read."""
        action_fields = [f.name for f in dataclass_fields(ParsedAction)]
        return {
            "sheet_name": self.sheet_name,
            "header_row": self.header_row,
            "columns": self.columns,
            "headers": [[col, text] for col, text in self.headers.items()],
            "unmapped_columns": [list(item) for item in self.unmapped_columns],
            "ignored_sheets": self.ignored_sheets,
            "themes": [[t.reference, t.title, t.order] for t in self.themes],
            "action_fields": action_fields,
            "actions": [[_json_value(getattr(a, name)) for name in action_fields] for a in self.actions],
            "problems": [p.as_dict() for p in self.problems],
            "unmapped_values": self.unmapped_values,
            "refusal": self.refusal,
        }

    @classmethod
    def from_json(cls, data: dict) -> "PlanParse":
        names = data["action_fields"]
        dates = {"start_date", "target_date", "revised_date"}
        actions = []
        for values in data["actions"]:
            item = dict(zip(names, values, strict=True))
            for name in dates & item.keys():
                item[name] = datetime.date.fromisoformat(item[name]) if item[name] else None
            actions.append(ParsedAction(**item))
        return cls(
            sheet_name=data["sheet_name"],
            header_row=data["header_row"],
            columns=data["columns"],
            headers={col: text for col, text in data["headers"]},
            unmapped_columns=[tuple(item) for item in data["unmapped_columns"]],
            ignored_sheets=data["ignored_sheets"],
            themes=[ParsedTheme(*item) for item in data["themes"]],
            actions=actions,
            problems=[Problem(**p) for p in data["problems"]],
            unmapped_values=data["unmapped_values"],
            refusal=data["refusal"],
        )


def _json_value(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _match_header(text, column_map):
    key = normalise_header(text)
    if not key:
        return None
    if key in column_map:
        return column_map[key]
    if key in HEADER_LOOKUP:
        return HEADER_LOOKUP[key]
    return None


def _score_row(cells, column_map):
    fields = set()
    for cell in cells:
        name = _match_header(cell.value, column_map)
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
    """column_map: normalised header -> field or "ignore" (the admin's choices on the preview).
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
    header_cells = sheet.rows[header_index]
    for col, cell in enumerate(header_cells):
        text = clean_text(cell.value)
        if not text:
            continue
        result.headers[col] = text.replace("\n", " ")
        name = _match_header(text, column_map)
        if name == "ignore":
            continue
        if name and name not in result.columns:
            result.columns[name] = col
        elif not name:
            result.unmapped_columns.append((col, result.headers[col]))
    missing = [FIELD_LABELS[f] for f in REQUIRED if f not in result.columns]
    if missing:
        found = ", ".join(f"\u201c{h}\u201d" for h in result.headers.values())
        result.refusal = (
            f"The {' and '.join(missing).lower()} column{'s are' if len(missing) > 1 else ' is'} missing "
            f"from the header row (row {result.header_row} of \u201c{sheet.name}\u201d, which has {found}). "
            "Rename the column, or choose it on the preview."
        )
        return result
    _read_rows(sheet, header_index, result, value_map)
    if not result.actions and not result.refusal:
        result.refusal = f"The sheet \u201c{sheet.name}\u201d has a header row but no actions below it."
    return result


def _column_label(result, name):
    col = result.columns[name]
    return f"{column_letter(col)} ({result.headers.get(col, '')})"


def _read_rows(sheet, header_index, result: PlanParse, value_map):
    cols = result.columns
    get = lambda row, name: row[cols[name]] if name in cols and cols[name] < len(row) else None  # noqa: E731
    themes: dict[str, ParsedTheme] = {}
    current_theme = None
    carried_recommendation = None
    carried_theme_cell = None
    seen_refs: dict[str, int] = {}
    after_table = False
    filled_columns = set(cols.values())

    def theme_for(reference, title):
        key = reference or str(len(themes) + 1)
        if key not in themes:
            themes[key] = ParsedTheme(key, (title or f"Theme {key}")[:300], len(themes) + 1)
        elif title and themes[key].title.startswith("Theme "):
            themes[key].title = title[:300]
        return themes[key]

    for index in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        row_number = index + 1
        filled = [i for i, c in enumerate(row) if not c.is_blank]
        if not filled:
            continue
        ref_cell = get(row, "reference")
        title_cell = get(row, "title")
        ref_text = read_reference(ref_cell.value, ref_cell.number_format) if ref_cell else Reading("")
        title = clean_text(title_cell.value) if title_cell else ""
        first_text = clean_text(row[filled[0]].value)
        if NOTES_START.match(first_text) and not (ref_text.value and title):
            after_table = True
            continue
        # A theme heading: only the first cell or two filled (often merged across), no title of its own.
        is_heading = (
            len(filled) <= 2
            and not (ref_text.value and title)
            and not (title and len(filled) == 1 and filled[0] == cols["title"] and "theme" in cols)
        )
        if is_heading and not after_table:
            text = " ".join(clean_text(row[i].value) for i in filled)
            if result.actions and len(text) > 150:
                after_table = True
                continue
            match = THEME_HEADING.match(text)
            if match:
                current_theme = theme_for(match.group(1).upper(), match.group(2).strip())
            else:
                current_theme = theme_for(None, text)
            carried_recommendation = None
            carried_theme_cell = None
            continue
        if after_table or (not ref_text.value and not title):
            continue
        if not ref_text.value:
            if title and len(filled) <= 2 and result.actions:
                after_table = True
                continue
            result.problems.append(
                Problem(
                    sheet.name,
                    row_number,
                    _column_label(result, "reference"),
                    f"Row {row_number} has an action but no reference, so it was left out.",
                    "warning",
                )
            )
            continue
        if not title:
            result.problems.append(
                Problem(
                    sheet.name,
                    row_number,
                    _column_label(result, "title"),
                    f"Action {ref_text.value} has no title, so it was left out.",
                    "warning",
                )
            )
            continue
        reference = ref_text.value[:20]
        if reference in seen_refs:
            hint = (
                " A reference typed as a number loses its last zero (4.10 becomes 4.1): format the column as text."
                if ref_text.note == "number"
                else ""
            )
            result.problems.append(
                Problem(
                    sheet.name,
                    row_number,
                    _column_label(result, "reference"),
                    f"Action reference {reference} is used twice, in rows {seen_refs[reference]} and {row_number}. "
                    f"Each action needs its own reference.{hint}",
                )
            )
            continue
        seen_refs[reference] = row_number

        # Theme: a theme column (carried down when blank), else heading rows, else the reference's prefix.
        theme = current_theme
        if "theme" in cols:
            theme_cell = get(row, "theme")
            if theme_cell is not None and not theme_cell.is_blank:
                carried_theme_cell = clean_text(theme_cell.value)
            if carried_theme_cell:
                theme_ref_cell = get(row, "theme_reference")
                theme_ref = (
                    read_reference(theme_ref_cell.value, theme_ref_cell.number_format).value if theme_ref_cell else ""
                )
                match = THEME_HEADING.match(carried_theme_cell)
                if theme_ref:
                    theme = theme_for(theme_ref, carried_theme_cell)
                elif match:
                    theme = theme_for(match.group(1).upper(), match.group(2).strip())
                else:
                    existing = next((t for t in themes.values() if t.title == carried_theme_cell[:300]), None)
                    theme = existing or theme_for(None, carried_theme_cell)
        if theme is None:
            prefix = reference.split(".")[0] if "." in reference else ""
            theme = theme_for(prefix or "1", None if prefix else "Actions")

        action = ParsedAction(
            row=row_number,
            reference=reference,
            title=title[:500],
            theme_reference=theme.reference,
            order=len(result.actions) + 1,
        )

        def text_of(name, limit=None, row=row):
            cell = get(row, name)
            text = clean_text(cell.value) if cell else ""
            return text[:limit] if limit else text

        action.detail = text_of("detail")
        action.partner = text_of("partner", 200)
        action.success_measure = text_of("success_measure")
        action.progress_text = text_of("progress")
        action.lead = text_of("lead", 300)
        if action.lead:
            action.lead_emails, action.lead_names = lead_candidates(action.lead)
        if "recommendation" in cols:
            rec_cell = get(row, "recommendation")
            if rec_cell is not None and not rec_cell.is_blank:
                carried_recommendation = rec_cell.value
            if carried_recommendation is not None:
                keys = split_recommendations(carried_recommendation)
                if keys is None:
                    lead_ref = leading_rec_ref(carried_recommendation)
                    action.recommendation_keys = [lead_ref] if lead_ref else []
                    action.recommendation_text = clean_text(carried_recommendation)
                else:
                    action.recommendation_keys = keys
        for name, target in (("target_date", "target_date"), ("revised_date", "revised_date")):
            cell = get(row, name)
            if cell is None or cell.is_blank:
                continue
            date, note, reading = read_target_date(cell.value, cell.number_format)
            if reading.problem:
                result.problems.append(
                    Problem(
                        sheet.name,
                        row_number,
                        _column_label(result, name),
                        f"Action {reference}: {reading.problem}.",
                        "error",
                    )
                )
                continue
            setattr(action, target, date)
            if name == "target_date":
                action.target_date_note = note
            if reading.note:
                result.problems.append(
                    Problem(
                        sheet.name,
                        row_number,
                        _column_label(result, name),
                        f"Action {reference}: {reading.note}.",
                        "guess",
                    )
                )
        if "target_date_note" in cols and not action.target_date_note:
            action.target_date_note = text_of("target_date_note", 200)
        start_cell = get(row, "start_date")
        if start_cell is not None and not start_cell.is_blank:
            reading = read_plain_date(start_cell.value)
            if reading.problem:
                result.problems.append(
                    Problem(
                        sheet.name,
                        row_number,
                        _column_label(result, "start_date"),
                        f"Action {reference}: {reading.problem}; the start date was left blank.",
                        "warning",
                    )
                )
            action.start_date = reading.value
        for name, attr in (("status", "status_meaning"), ("rag", "rag_meaning")):
            cell = get(row, name)
            if cell is None or cell.is_blank:
                continue
            key = normalise_vocab(cell.value)
            meaning = value_map.get(key) or read_status_word(cell.value)
            if meaning == "ignore":
                continue
            if meaning is None:
                result.unmapped_values.setdefault(key, clean_text(cell.value))
                continue
            setattr(action, attr, meaning)
        result.actions.append(action)
    for row, col in sheet.formula_cells_without_value:
        if row > header_index and col in filled_columns:
            result.problems.append(
                Problem(
                    sheet.name,
                    row + 1,
                    f"{column_letter(col)} ({result.headers.get(col, '')})",
                    "This cell holds a formula with no saved result. Formulas are never run: its text was kept as "
                    "it is written.",
                    "guess",
                )
            )
    result.themes = sorted(themes.values(), key=lambda t: t.order)
    used = {a.theme_reference for a in result.actions}
    result.themes = [t for t in result.themes if t.reference in used]
