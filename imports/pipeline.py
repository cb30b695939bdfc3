"""The shape every importer shares: read -> recognise -> plan changes -> apply.

    read       bytes -> sheets of cells             imports.parsing.workbook.read_workbook (one for all kinds)
    recognise  sheets -> a Recognised               which column was read as what (ColumnMap), the rows as
                                                    plain typed records, and the file's problems; pure Python
    plan       Recognised + database -> ChangeSet   one planner per entity (themes, actions, ...), each giving
                                                    PlannedChange rows with old -> new per field; reads only:
                                                    this is the dry run the preview shows
    apply      ChangeSet -> database                exactly what was planned, inside one transaction

A new importer (plan, KPI values, published statistics) is a new module with a `recognise` and a set of
planners, not a new branch in imports.services. What travels between the steps is these dataclasses,
never dicts on the job: the preview and the apply both return an ImportResult, whose `summary()` is
what the job stores (`ImportJob.preview` / `.result`), whose `rows` become ImportPreviewRow (paged on the
preview page, filterable by "changes only" and "problems only") and whose `parsed` is the recognised
copy kept for the confirm, so the apply uses exactly what the admin saw.

Nothing here touches the database, so the shapes can be built and tested on their own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Protocol

from core.formats import date_words

SEVERITIES = ("error", "warning", "guess")


@dataclass
class Problem:
    """Something in the file the admin must know about.

    severity: "error" stops the import; "warning" means a row or value was left out; "guess" means it was
    read but not exactly (check it)."""

    sheet: str
    row: int | None  # spreadsheet row number (1-based)
    column: str  # column letter and header, e.g. "E (When?)"
    message: str
    severity: str = "error"

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "severity": self.severity,
        }


def column_letter(col: int) -> str:
    """0 -> "A", 26 -> "AA"."""
    letters = ""
    col += 1
    while col:
        col, remainder = divmod(col - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# -- recognise ----------------------------------------------------------------------------------

# How a column was recognised, as the preview says it.
BY_NAME = "name"  # the header is one of the field's names ("Ref", "Who?")
BY_WORDS = "words"  # the header's words name the field, with an explanation around them ("Lead officer (who)")
BY_CHOICE = "choice"  # the admin chose it on the preview
HOW_WORDS = {BY_NAME: "by its name", BY_WORDS: "by its words", BY_CHOICE: "as you chose"}


@dataclass(frozen=True)
class ColumnMatch:
    """One header cell and what the importer read it as. `field` is "" when it was not recognised;
    `date` is the date a header carries (a "Progress update – Jan 2019" column)."""

    column: int  # 0-based
    header: str  # as written in the file
    field: str = ""
    label: str = ""  # the field's name for the preview ("Lead officer")
    how: str = ""  # BY_NAME | BY_WORDS | BY_CHOICE
    date: datetime.date | None = None

    @property
    def letter(self) -> str:
        return column_letter(self.column)

    @property
    def cell_label(self) -> str:
        """What a problem names as its column: "E (Target date (when))"."""
        return f"{self.letter} ({self.header})"

    def as_dict(self) -> dict:
        return {
            "column": self.column,
            "letter": self.letter,
            "header": self.header,
            "field": self.field,
            "label": self.label,
            "how": self.how,
            "how_words": HOW_WORDS.get(self.how, ""),
            "date": self.date.isoformat() if self.date else None,
            "date_words": date_words(self.date, "month") if self.date else "",
        }

    @classmethod
    def from_dict(cls, data: dict) -> ColumnMatch:
        return cls(
            column=data["column"],
            header=data["header"],
            field=data["field"],
            label=data["label"],
            how=data["how"],
            date=datetime.date.fromisoformat(data["date"]) if data.get("date") else None,
        )


@dataclass
class ColumnMap:
    """Which column of the header row was read as what: the preview shows it row by row."""

    sheet: str = ""
    header_row: int | None = None  # 1-based
    matches: list[ColumnMatch] = field(default_factory=list)

    def first(self, name: str) -> ColumnMatch | None:
        return next((m for m in self.matches if m.field == name), None)

    def all(self, name: str) -> list[ColumnMatch]:
        """Every column read as `name`: a plan may have several progress columns, one per date."""
        return [m for m in self.matches if m.field == name]

    def __contains__(self, name: str) -> bool:
        return self.first(name) is not None

    @property
    def recognised(self) -> list[ColumnMatch]:
        return [m for m in self.matches if m.field]

    @property
    def unrecognised(self) -> list[ColumnMatch]:
        return [m for m in self.matches if not m.field]

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "header_row": self.header_row, "matches": [m.as_dict() for m in self.matches]}

    @classmethod
    def from_dict(cls, data: dict) -> ColumnMap:
        return cls(
            sheet=data["sheet"],
            header_row=data["header_row"],
            matches=[ColumnMatch.from_dict(m) for m in data["matches"]],
        )


# -- plan changes -------------------------------------------------------------------------------

CREATE, UPDATE, UNCHANGED, SKIP = "create", "update", "unchanged", "skip"
KIND_WORDS = {CREATE: "To create", UPDATE: "To change", UNCHANGED: "No change", SKIP: "Left out"}


@dataclass(frozen=True)
class FieldChange:
    """One field of one object, as text for the preview: old -> new ("" when it had none)."""

    field: str
    label: str
    old: str
    new: str

    def as_dict(self) -> dict:
        return {"field": self.field, "label": self.label, "old": self.old, "new": self.new}


@dataclass
class PlannedChange:
    """What the import would do to one object (a theme, an action, a recommendation, a KPI value), with
    every field that changes. `target` is whatever the planner needs at apply time (the existing model
    instance, the values to write); it never leaves the process."""

    entity: str  # "theme", "action", "recommendation", "progress entry" ... (the planner's entity)
    key: str  # its reference in the file ("2.3", "R1", an indicator code and period)
    title: str
    kind: str  # CREATE | UPDATE | UNCHANGED | SKIP
    row: int | None = None  # spreadsheet row (1-based)
    changes: list[FieldChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # problems and guesses about this object, in words
    target: object = None

    @property
    def is_change(self) -> bool:
        return self.kind in (CREATE, UPDATE)

    @property
    def has_problem(self) -> bool:
        return bool(self.notes) or self.kind == SKIP

    def change(self, name: str, label: str, old: str, new: str) -> None:
        if old != new:
            self.changes.append(FieldChange(name, label, old, new))


class Planner(Protocol):
    """One entity's planner: what the import would do to every object of that entity. Reads only."""

    entity: str

    def plan(self, context) -> list[PlannedChange]: ...


@dataclass
class ChangeSet:
    """Everything one import would do, entity by entity, in the order the planners ran."""

    planned: dict[str, list[PlannedChange]] = field(default_factory=dict)  # entity -> its rows
    problems: list[Problem] = field(default_factory=list)

    def add(self, entity: str, rows: list[PlannedChange]) -> None:
        self.planned.setdefault(entity, []).extend(rows)

    def of(self, entity: str) -> list[PlannedChange]:
        return self.planned.get(entity, [])

    @property
    def rows(self) -> list[PlannedChange]:
        return [row for rows in self.planned.values() for row in rows]

    def count(self, entity: str, kind: str) -> int:
        return sum(1 for row in self.of(entity) if row.kind == kind)


# -- result -------------------------------------------------------------------------------------

MAX_STORED_PROBLEMS = 500


@dataclass
class ImportResult:
    """What a preview or an apply returns. `summary()` is the JSON the job stores; `rows` are the
    preview's rows (stored as ImportPreviewRow, paged); `parsed` is the recognised copy that the confirm
    applies (None once applied)."""

    counts: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    refusal: str = ""
    rows: list[PlannedChange] = field(default_factory=list)
    columns: ColumnMap | None = None
    extra: dict = field(default_factory=dict)
    parsed: dict | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def summary(self) -> dict:
        problems = sorted(self.problems, key=lambda p: (SEVERITIES.index(p.severity), p.row or 0))
        errors = [p for p in problems if p.severity == "error"]
        return {
            "counts": self.counts,
            "problems": [p.as_dict() for p in problems[:MAX_STORED_PROBLEMS]],
            "problem_count": len(problems),
            "error_count": len(errors),
            "refusal": self.refusal,
            "can_confirm": not self.refusal and not errors,
            "row_count": len(self.rows),
            "change_count": sum(1 for r in self.rows if r.is_change),
            **({"column_map": self.columns.as_dict()} if self.columns else {}),
            **self.extra,
        }
