"""Recognise a KPI spreadsheet (the pipeline's second step, imports.pipeline): a wide scorecard
(indicators as rows, periods as columns) or a long file (indicator, period, value), read into typed
records. Pure Python: the database is the planners' business (imports.kpi_import)."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from imports.parsing.values import (
    PeriodHeader,
    TargetReading,
    clean_text,
    financial_year_start,
    normalise_header,
    read_number,
    read_period_header,
    read_polarity,
    read_target,
)
from imports.parsing.workbook import Sheet, column_letter, fill_merged
from imports.pipeline import BY_NAME, ColumnMap, ColumnMatch, Problem
from indicators.periods import period_label

KPI_SYNONYMS = {
    "code": [
        "code",
        "ref",
        "kpi ref",
        "kpi code",
        "indicator code",
        "id",
        "pi ref",
        "measure ref",
        "no",
        "kpi no",
        "ref no",
    ],
    "title": [
        "indicator",
        "measure",
        "kpi",
        "title",
        "description",
        "indicator name",
        "measure description",
        "performance indicator",
        "kpi description",
        "indicator title",
        "name",
    ],
    "period": ["period", "month", "quarter", "date", "period start", "reporting period"],
    "value": ["value", "result", "actual", "figure", "performance"],
    "numerator": ["numerator"],
    "denominator": ["denominator"],
    "commentary": ["commentary", "comments", "comment", "narrative", "notes"],
    "target": ["target", "target value", "local target", "targets"],
    "polarity": [
        "polarity",
        "good is",
        "good performance is",
        "direction",
        "higher or lower is better",
        "which way is better",
        "better is",
        "good",
        "desired direction",
    ],
    "england": ["england", "england average", "national", "national average", "eng"],
    "stat_neighbours": [
        "stat neighbours",
        "statistical neighbours",
        "sn",
        "sn average",
        "stat neighbour",
        "statistical neighbour average",
        "statistical neighbours average",
        "stat neighbours average",
    ],
    "unit": ["unit", "units"],
    "ignore": ["rag", "dot", "direction of travel", "trend", "rag rating", "status", "change", "frequency"],
}
# What the preview calls each recognised column.
FIELD_LABELS = {
    "code": "Indicator code",
    "title": "Indicator",
    "period": "Period",
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "commentary": "Commentary",
    "target": "Target",
    "polarity": "Which way is better (polarity)",
    "england": "England benchmark",
    "stat_neighbours": "Statistical neighbours benchmark",
    "unit": "Unit",
}
HEADER_LOOKUP = {s: name for name, synonyms in KPI_SYNONYMS.items() for s in synonyms}


def _header_field(text):
    key = normalise_header(text)
    if key in HEADER_LOOKUP:
        return HEADER_LOOKUP[key], None
    # "England 2024", "England (2023/24)", "SN 2023"
    match = re.fullmatch(r"(.+?) (\d{4}(?: \d{2,4})?)", key)
    if match and HEADER_LOOKUP.get(match.group(1)) in {"england", "stat_neighbours", "target"}:
        return HEADER_LOOKUP[match.group(1)], match.group(2)
    return None, None


@dataclass
class PeriodValue:
    """One cell of an indicator's row (or one row of a long file). A blank cell is kept too, with
    `blank` set, so the planner can say it left a reported figure unchanged."""

    period: datetime.date
    frequency: str
    value: Decimal | None
    missing_reason: str  # "" when there is a value
    column: str
    percent_format: bool = False
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    commentary: str = ""
    blank: bool = False
    text: str = ""  # the cell as written when it held no number ("n/a", "-", "c")

    @property
    def clears(self) -> bool:
        """True when the cell gives no figure: blank, "n/a", "-", a suppression code."""
        return self.value is None


@dataclass
class ParsedIndicator:
    row: int
    code: str
    title: str
    values: list = field(default_factory=list)
    target: Decimal | None = None
    # The target as written ("Less than 22%", "Between 8 and 12", "No target"); None when no cell.
    target_reading: TargetReading | None = None
    target_text: str = ""
    polarity: str | None = None
    polarity_text: str = ""
    england: Decimal | None = None
    stat_neighbours: Decimal | None = None
    unit: str = ""
    commentary: str = ""
    looks_like_percentage: bool = False

    @property
    def key(self):
        return (self.code or self.title).lower()


@dataclass
class KpiParse:
    """What the recognise step read: the typed records the planners work from."""

    layout: str = ""
    sheet_name: str = ""
    header_row: int | None = None
    columns: ColumnMap | None = None
    section_headings: list = field(default_factory=list)  # (row, text): rows read as headings, not indicators
    indicators: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    ignored_sheets: list = field(default_factory=list)
    benchmark_period: datetime.date | None = None
    first_period: datetime.date | None = None
    problems: list = field(default_factory=list)
    refusal: str = ""

    @property
    def errors(self):
        return [p for p in self.problems if p.severity == "error"]


def _group_year(text):
    text = clean_text(text)
    start = financial_year_start(re.sub(r"^(fy|financial year)\s*", "", text.lower()))
    if start is not None:
        return start
    return None


def _scan(sheet: Sheet):
    """(header index, period columns {col: PeriodHeader}, fields {field: col}, extra {field: year text})."""
    best = None
    for index, row in enumerate(sheet.rows[:30]):
        above = sheet.rows[index - 1] if index else []
        group_years, current = {}, None
        for col in range(max(len(row), len(above))):
            cell = above[col] if col < len(above) else None
            if cell is not None and not cell.is_blank:
                current = _group_year(cell.value)
            group_years[col] = current
        periods, fields, labels = {}, {}, {}
        for col, cell in enumerate(row):
            if cell.is_blank:
                continue
            name, year = _header_field(cell.value)
            if name:
                fields.setdefault(name, col)
                if year:
                    labels[name] = year
                continue
            header = read_period_header(cell.value, cell.number_format, group_year=group_years.get(col))
            if header:
                periods[col] = header
        has_id = "code" in fields or "title" in fields
        score = (len(periods) + len(fields)) if has_id else 0
        if score and (best is None or score > best[0]):
            best = (score, index, periods, fields, labels)
    return best


def recognise(sheets: list[Sheet]) -> KpiParse:
    """The sheets as KPI records: the best header row, one ParsedIndicator per indicator row."""
    result = KpiParse()
    if not sheets or all(not s.rows for s in sheets):
        result.refusal = "The file has no rows in it. Check you chose the right file."
        return result
    for sheet in sheets:
        fill_merged(sheet, down=False, across=True)  # a year heading merged over its months
    candidates = [(scan, position, s) for position, s in enumerate(sheets) if (scan := _scan(s))]
    if not candidates:
        result.refusal = (
            "No header row was found in the first 30 rows. A scorecard needs a column naming each indicator "
            "(\u201cIndicator\u201d or \u201cCode\u201d) and either one column per period (\u201cApr 2024\u201d, "
            "\u201cQ1 2024/25\u201d) or \u201cPeriod\u201d and \u201cValue\u201d columns."
        )
        return result
    (score, index, periods, fields, labels), _, sheet = max(candidates, key=lambda c: (c[0][0], -c[1]))
    result.sheet_name = sheet.name
    result.ignored_sheets = [s.name for s in sheets if s is not sheet]
    result.header_row = index + 1
    headers = {col: clean_text(c.value).replace("\n", " ") for col, c in enumerate(sheet.rows[index]) if not c.is_blank}
    result.columns = ColumnMap(sheet=sheet.name, header_row=index + 1)
    for col, text in headers.items():
        name = _header_field(text)[0]
        if col not in periods and (name in (None, "ignore")):
            result.ignored_columns.append(f"{column_letter(col)} ({text})")
            result.columns.matches.append(ColumnMatch(col, text))
        elif col in periods:
            label = period_label(periods[col].start, periods[col].frequency)
            result.columns.matches.append(ColumnMatch(col, text, "period", f"Values for {label}", BY_NAME))
        else:
            result.columns.matches.append(ColumnMatch(col, text, name, FIELD_LABELS.get(name, name), BY_NAME))
    if "period" in fields and "value" in fields:
        result.layout = "long"
        _read_long(sheet, index, fields, headers, result)
    elif periods:
        result.layout = "wide"
        _read_wide(sheet, index, periods, fields, labels, headers, result)
    else:
        result.refusal = (
            "The header row names the indicators but no periods: add one column per month or quarter "
            "(for example \u201cApr 2024\u201d) or \u201cPeriod\u201d and \u201cValue\u201d columns."
        )
        return result
    all_periods = [v.period for ind in result.indicators for v in ind.values]
    if all_periods:
        result.first_period = min(all_periods)
        latest = max(all_periods)
        if result.benchmark_period is None:
            result.benchmark_period = latest
    if not result.indicators:
        result.refusal = f"The sheet \u201c{sheet.name}\u201d has a header row but no indicators below it."
    return result


def _year_label_period(text):
    """ "2024" -> the financial year ending March 2024 (DfE publishes that way); "2023/24" -> 2023/24."""
    start = financial_year_start(text.replace(" ", "/"))
    if start is not None:
        return datetime.date(start, 4, 1)
    if re.fullmatch(r"\d{4}", text):
        return datetime.date(int(text) - 1, 4, 1)
    return None


def _identity(row, fields):
    code = (
        clean_text(row[fields["code"]].value).replace(" ", "")[:40]
        if "code" in fields and fields["code"] < len(row)
        else ""
    )
    title = clean_text(row[fields["title"]].value)[:300] if "title" in fields and fields["title"] < len(row) else ""
    return code, title


def _extras(sheet, index, row, fields, headers, indicator, result):
    def cell(name):
        col = fields.get(name)
        return row[col] if col is not None and col < len(row) else None

    c = cell("target")
    if c is not None and not c.is_blank:
        reading = read_target(c.value, c.number_format)
        indicator.target_text = clean_text(c.value)
        if reading.problem:
            result.problems.append(
                Problem(
                    sheet.name,
                    index + 1,
                    f"{column_letter(fields['target'])} ({headers[fields['target']]})",
                    f"{indicator.title or indicator.code}: {reading.problem}; it was left out.",
                    "warning",
                )
            )
        else:
            indicator.target_reading = reading
            indicator.target = reading.value
    for name in ("england", "stat_neighbours"):
        c = cell(name)
        if c is None or c.is_blank:
            continue
        reading = read_number(c.value, c.number_format)
        if reading.problem:
            result.problems.append(
                Problem(
                    sheet.name,
                    index + 1,
                    f"{column_letter(fields[name])} ({headers[fields[name]]})",
                    f"{indicator.title or indicator.code}: {reading.problem}; it was left out.",
                    "warning",
                )
            )
        elif reading.value is not None:
            setattr(indicator, name, reading.value)
    c = cell("polarity")
    if c is not None and not c.is_blank:
        polarity = read_polarity(c.value)
        if polarity:
            indicator.polarity, indicator.polarity_text = polarity, clean_text(c.value)
        else:
            result.problems.append(
                Problem(
                    sheet.name,
                    index + 1,
                    f"{column_letter(fields['polarity'])} ({headers[fields['polarity']]})",
                    f"\u201c{clean_text(c.value)}\u201d is not a polarity we know (use Higher, Lower, "
                    "Close to target or Info); it was left out.",
                    "warning",
                )
            )
    c = cell("unit")
    if c is not None and not c.is_blank:
        indicator.unit = clean_text(c.value).lower()
    c = cell("commentary")
    if c is not None and not c.is_blank:
        indicator.commentary = clean_text(c.value)


def _value(sheet, index, col, headers, cell, indicator, header: PeriodHeader, result):
    reading = read_number(cell.value, cell.number_format)
    label = f"{column_letter(col)} ({headers.get(col, '')})"
    if reading.problem:
        result.problems.append(
            Problem(
                sheet.name,
                index + 1,
                label,
                f"{indicator.title or indicator.code}: {reading.problem}; the value was left out.",
                "warning",
            )
        )
        return None
    if reading.value is None and not reading.note:
        # Blank: nothing recorded, never zero; kept so a figure already reported is seen to stay.
        return PeriodValue(header.start, header.frequency, None, "", label, blank=True)
    missing = reading.note[len("missing:") :] if reading.note.startswith("missing:") else ""
    percent = "%" in (cell.number_format or "") or reading.note == "percent"
    if percent:
        indicator.looks_like_percentage = True
    return PeriodValue(
        header.start,
        header.frequency,
        reading.value,
        missing,
        label,
        percent_format=percent,
        text=clean_text(cell.value) if reading.value is None else "",
    )


def _section_heading(row, periods) -> str:
    """The text of a section heading row ("FRONT DOOR" merged across the row, "ASSESSMENT & CHILDREN IN
    NEED" alone in its first cell), or "". A heading is one piece of text, repeated in every cell a
    merge covers, that is not a number; or a row whose period cells all read as periods again (the
    header repeated above each section)."""
    texts = {clean_text(c.value) for c in row if not c.is_blank}
    if len(texts) == 1:
        (text,) = texts
        cells = [c for c in row if not c.is_blank]
        in_periods = [col for col in periods if col < len(row) and not row[col].is_blank]
        if not isinstance(cells[0].value, (int, float)) and read_number(text).value is None:
            if len(cells) > 1 or not in_periods:
                return text
    period_cells = [row[col] for col in periods if col < len(row) and not row[col].is_blank]
    if (
        period_cells
        and len(period_cells) == len(periods)
        and all(read_period_header(c.value, c.number_format) for c in period_cells)
    ):
        return " ".join(clean_text(c.value) for c in row if not c.is_blank)[:100]
    return ""


def _long_section_heading(row) -> str:
    """In a file of one row per value (indicator, period, value), a row with only one piece of text and no
    period or value ("FRONT DOOR" merged across the row, which fills every cell it covers, or alone in its
    first cell) is a section heading, or "". A number or a period on its own is not a heading."""
    cells = [c for c in row if not c.is_blank]
    texts = {clean_text(c.value) for c in cells}
    if len(texts) != 1:
        return ""
    (text,) = texts
    first = cells[0]
    if isinstance(first.value, (int, float)) or read_number(text).value is not None:
        return ""
    if read_period_header(first.value, first.number_format):
        return ""
    return text[:100]


def _read_wide(sheet, header_index, periods, fields, labels, headers, result):
    for name in ("england", "stat_neighbours"):
        if name in labels:
            result.benchmark_period = _year_label_period(labels[name])
    seen = {}
    for index in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        code, title = _identity(row, fields)
        if not code and not title:
            continue
        heading = _section_heading(row, periods)
        if heading:
            result.section_headings.append((index + 1, heading))
            continue
        if not any(col < len(row) and not row[col].is_blank for col in periods) and not any(
            fields.get(n) is not None and fields[n] < len(row) and not row[fields[n]].is_blank
            for n in ("target", "england", "stat_neighbours")
        ):
            continue  # a section heading or a note
        indicator = ParsedIndicator(index + 1, code, title)
        if indicator.key in seen:
            result.problems.append(
                Problem(
                    sheet.name,
                    index + 1,
                    "",
                    f"{title or code} appears twice, in rows {seen[indicator.key]} and {index + 1}. "
                    "Each indicator needs one row.",
                    "error",
                )
            )
            continue
        seen[indicator.key] = index + 1
        _extras(sheet, index, row, fields, headers, indicator, result)
        for col, header in periods.items():
            if col >= len(row):
                continue
            value = _value(sheet, index, col, headers, row[col], indicator, header, result)
            if value:
                indicator.values.append(value)
        # Comments belong to the latest period with a figure (scorecards comment on the latest month).
        if indicator.commentary:
            with_value = [v for v in indicator.values if v.value is not None]
            if with_value:
                max(with_value, key=lambda v: v.period).commentary = indicator.commentary
        result.indicators.append(indicator)


def _read_long(sheet, header_index, fields, headers, result):
    by_key = {}
    seen_periods = {}
    for index in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[index]
        code, title = _identity(row, fields)
        if not code and not title:
            continue
        heading = _long_section_heading(row)
        if heading:
            result.section_headings.append((index + 1, heading))
            continue
        key = code or title.lower()
        indicator = by_key.get(key)
        if indicator is None:
            indicator = by_key[key] = ParsedIndicator(index + 1, code, title)
            result.indicators.append(indicator)
        _extras(sheet, index, row, {k: v for k, v in fields.items() if k != "commentary"}, headers, indicator, result)
        period_cell = row[fields["period"]] if fields["period"] < len(row) else None
        header = read_period_header(period_cell.value, period_cell.number_format) if period_cell else None
        if header is None:
            result.problems.append(
                Problem(
                    sheet.name,
                    index + 1,
                    f"{column_letter(fields['period'])} ({headers[fields['period']]})",
                    f"\u201c{clean_text(period_cell.value if period_cell else '')}\u201d is not a period we can read "
                    "(for example \u201cApr 2024\u201d, \u201c2024-04\u201d or \u201cQ1 2024/25\u201d).",
                    "error",
                )
            )
            continue
        if (key, header.start) in seen_periods:
            result.problems.append(
                Problem(
                    sheet.name,
                    index + 1,
                    "",
                    f"{title or code} has two values for the same period, in rows "
                    f"{seen_periods[(key, header.start)]} and {index + 1}.",
                    "error",
                )
            )
            continue
        seen_periods[(key, header.start)] = index + 1
        value_col = fields["value"]
        value = (
            _value(
                sheet,
                index,
                value_col,
                headers,
                row[value_col] if value_col < len(row) else None,
                indicator,
                header,
                result,
            )
            if value_col < len(row)
            else None
        )
        if value is None:
            continue
        for name in ("numerator", "denominator"):
            col = fields.get(name)
            if col is not None and col < len(row) and not row[col].is_blank:
                reading = read_number(row[col].value, "General")
                setattr(value, name, reading.value)
        col = fields.get("commentary")
        if col is not None and col < len(row):
            value.commentary = clean_text(row[col].value)
        indicator.values.append(value)


parse_kpis = recognise  # the name the commands and older tests know
