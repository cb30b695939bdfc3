"""Loading DfE's published statistics (the "explore education statistics" open data CSV format).

One row per time period x geography x filter combination. A mapping names, for one annual indicator,
the indicator column that holds its figure and the filter values that pick its row. A load fills,
for every year in the file: the council's own value (a Measurement), England, the council's region
and the mean of its statistical neighbours (Benchmarks), and the council's rank and quartile among
all councils (PublishedRank). DfE symbols (c, z, x, k, low, u) are kept as symbols, never numbers.

The importer is a pipeline (imports.pipeline), as the plan and KPI importers are:

    read       read_release: DfE's CSV (and its .meta.csv) -> Release, checked against the format and the
               row and cell caps. Not imports.parsing.workbook: a release is always CSV in DfE's layout.
    recognise  recognise: Release + mappings -> RecognisedRelease, the figures each mapping picks, year by
               year (own value, region, England, the neighbours' mean, every council's number for the
               rank); pure Python.
    plan       resolve() matches each mapping to an indicator and loads what is stored, in four queries;
               then one planner per entity (indicators and their published source, own values,
               benchmarks, ranks) gives PlannedChange rows with old -> new in the preview's words.
               Reads only: the dry run.
    apply      apply_changes writes exactly what was planned, in one transaction, so a release loads all
               or nothing.

Used by the admin pages (through imports.services, as an ImportJob) and the import_published command
alike. Loading the same file again finds nothing to change.
"""

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import clock
from core.formats import value_words
from imports.models import ImportChange
from imports.parsing import limits
from imports.pipeline import CREATE, UNCHANGED, UPDATE, ChangeSet, FieldChange, ImportResult, PlannedChange, Problem
from indicators import periods
from indicators.models import (
    SYMBOL_WORDS,
    Benchmark,
    Frequency,
    Indicator,
    Measurement,
    Polarity,
    PublishedRank,
    PublishedSource,
    Unit,
)
from indicators.rules import council_rank, quartile
from indicators.services import council_settings, save_measurements

STANDARD_COLUMNS = {
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
}
REQUIRED_COLUMNS = ("time_period", "time_identifier", "geographic_level")
SYMBOLS = set(SYMBOL_WORDS)
# Older files write ":" for "not available", and an empty cell means the same.
SYMBOL_ALIASES = {":": "x", "": "x"}
UNIT_BY_COLUMN = {"percentage": Unit.PERCENTAGE, "rate_per_10000": Unit.RATE_PER_10K, "number": Unit.NUMBER}
NATIONAL, REGIONAL, LOCAL = "national", "regional", "local authority"
ENGLAND_KEY = "england"
MAX_PREVIEW_ROWS = 400


class ReleaseRefused(Exception):
    """The file or a mapping cannot be loaded; the message says why in plain English. Nothing is saved."""


@dataclass(frozen=True)
class Period:
    start: datetime.date  # our annual period: the financial year starting on this 1 April
    described_end: datetime.date  # the last day the figure describes: it counts as known from then

    @property
    def label(self) -> str:
        return periods.period_label(self.start, Frequency.ANNUAL)


def read_period(time_period: str, identifier: str) -> Period:
    """Our annual period for DfE's time_period and time_identifier; ReleaseRefused for anything else.

    - "Reporting year" 2024: the year ending 31 March 2024, our 2023/24.
    - "Financial year" 202324: April 2023 to March 2024, our 2023/24.
    - "Academic year" 202324: September 2023 to August 2024; stored as 2023/24 (the year it starts in),
      known from 31 August 2024.
    - "Calendar year" 2024: January to December 2024; stored as 2024/25 (which holds nine of its
      months), known from 31 December 2024.
    """
    text, kind = time_period.strip(), identifier.strip().lower()
    if kind in {"reporting year", "calendar year"} and len(text) == 4 and text.isdigit():
        year = int(text)
        if kind == "reporting year":
            return Period(datetime.date(year - 1, 4, 1), datetime.date(year, 3, 31))
        return Period(datetime.date(year, 4, 1), datetime.date(year, 12, 31))
    if kind in {"financial year", "academic year", "reporting year"} and len(text) == 6 and text.isdigit():
        year, second = int(text[:4]), int(text[4:])
        if second != (year + 1) % 100:
            raise ReleaseRefused(f"The time period {text} is not a year followed by the next (such as 202324).")
        if kind == "academic year":
            return Period(datetime.date(year, 4, 1), datetime.date(year + 1, 8, 31))
        return Period(datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31))
    if kind in {"reporting year", "calendar year", "financial year", "academic year"}:
        raise ReleaseRefused(f"The time period \u201c{text}\u201d cannot be read as a {kind}.")
    raise ReleaseRefused(
        f"The time identifier \u201c{identifier.strip()}\u201d is not one this service can load: only annual "
        "figures (Reporting year, Financial year, Academic year or Calendar year) are loaded."
    )


def read_value(text: str) -> tuple[Decimal | None, str]:
    """(number, "") or (None, symbol) for one cell; ValueError when it is neither."""
    cleaned = text.strip()
    lowered = cleaned.lower()
    if lowered in SYMBOLS:
        return None, lowered
    if lowered in SYMBOL_ALIASES:
        return None, SYMBOL_ALIASES[lowered]
    try:
        return Decimal(cleaned.replace(",", "")), ""
    except InvalidOperation:
        raise ValueError(cleaned) from None


@dataclass
class Release:
    file_name: str
    columns: list  # every column, in file order, normalised to lower case
    rows: list  # dicts, one per data row
    periods: list  # Period per row (same order)
    filter_columns: list
    measure_columns: list
    filter_values: dict  # column -> sorted distinct values

    def la_codes(self) -> set:
        codes = set()
        for row in self.rows:
            if row["geographic_level"].strip().lower() == LOCAL:
                codes.update({row.get("new_la_code", "").strip().upper(), row.get("old_la_code", "").strip()})
        codes.discard("")
        return codes


def _decode(data: bytes) -> str:
    try:
        # utf-8-sig drops the byte-order mark DfE's files often start with.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ReleaseRefused("The file is not a text (CSV) file, so it is not in DfE's open data format.") from None


def _check_bytes(data: bytes, what: str) -> None:
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ReleaseRefused(
            f"The {what} is {len(data) / 1_048_576:.1f} MB. The largest file you can import is "
            f"{settings.IMPORT_MAX_UPLOAD_BYTES / 1_048_576:.0f} MB."
        )


def _counted(reader, budget, first_row=1):
    """The reader's rows, each refused before it is kept once the file passes the row or cell cap."""
    for number, cells in enumerate(reader, start=first_row):
        if number > limits.EXCEL_MAX_ROWS:
            raise ReleaseRefused(f"The file {limits.too_many_rows()}")
        try:
            budget.take(1 + len(cells))
        except limits.LimitExceeded as exceeded:
            raise ReleaseRefused(f"The file {exceeded}") from None
        yield number, cells


def _read_meta(meta: bytes | None) -> dict:
    """{column: "filter" | "indicator"} from the release's own metadata file (*.meta.csv), if given."""
    if not meta:
        return {}
    _check_bytes(meta, "metadata file")
    rows = _counted(csv.reader(io.StringIO(_decode(meta))), limits.CellBudget())
    kinds = {}
    try:
        header = next(rows, (1, []))[1]
        # As csv.DictReader read it: the first row names the columns, the last of two same names wins.
        index = {(name or "").strip().lower(): position for position, name in enumerate(header)}
        if "col_name" not in index or "col_type" not in index:
            raise ReleaseRefused("The metadata file has no col_name and col_type columns, so it cannot be followed.")
        for _number, cells in rows:
            padded = cells + [""] * len(header)
            column, kind = (padded[index[key]].strip().lower() for key in ("col_name", "col_type"))
            if column and kind in {"filter", "indicator"}:
                kinds[column] = kind
    except csv.Error:
        raise ReleaseRefused("The metadata file could not be read as CSV.") from None
    return kinds


def read_release(data: bytes, file_name: str, meta: bytes | None = None) -> Release:
    """Read and check a release; ReleaseRefused (naming what is wrong) when it is not in the format."""
    _check_bytes(data, "file")
    text = _decode(data)
    budget = limits.CellBudget()
    reader = _counted(csv.reader(io.StringIO(text)), budget)
    try:
        header = next(reader)[1]
    except StopIteration:
        raise ReleaseRefused("The file is empty.") from None
    except csv.Error:
        raise ReleaseRefused("The file could not be read as CSV.") from None
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing or not {"old_la_code", "new_la_code"} & set(columns):
        missing = missing or ["new_la_code or old_la_code"]
        raise ReleaseRefused(
            "The file is not in DfE's open data format: it has no "
            + ", ".join(f"\u201c{name}\u201d" for name in missing)
            + " column. Download the release's CSV from explore education statistics."
        )
    if len(set(columns)) != len(columns):
        raise ReleaseRefused("The file has two columns with the same name, so it is not in DfE's open data format.")
    rows, row_periods, cache = [], [], {}
    try:
        for number, cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                raise ReleaseRefused(f"Row {number} has {len(cells)} cells but the header has {len(columns)}.")
            row = dict(zip(columns, cells, strict=True))
            key = (row["time_period"], row["time_identifier"])
            if key not in cache:
                try:
                    cache[key] = read_period(*key)
                except ReleaseRefused as refusal:
                    raise ReleaseRefused(f"Row {number}: {refusal}") from None
            rows.append(row)
            row_periods.append(cache[key])
    except csv.Error:
        raise ReleaseRefused("The file could not be read as CSV.") from None
    if not rows:
        raise ReleaseRefused("The file has a header but no rows.")
    kinds = _read_meta(meta)
    filter_columns, measure_columns = [], []
    for column in columns:
        if column in STANDARD_COLUMNS:
            continue
        if kinds:
            if kinds.get(column) == "filter":
                filter_columns.append(column)
            elif kinds.get(column) == "indicator":
                measure_columns.append(column)
            continue
        if _all_numbers(row[column] for row in rows):
            measure_columns.append(column)
        else:
            filter_columns.append(column)
    filter_values = {column: sorted({row[column].strip() for row in rows}) for column in filter_columns}
    return Release(file_name, columns, rows, row_periods, filter_columns, measure_columns, filter_values)


def _all_numbers(values) -> bool:
    for value in values:
        try:
            read_value(value)
        except ValueError:
            return False
    return True


# ------------------------------------------------------------------ what a load would change


@dataclass
class Mapping:
    indicator_code: str
    measure_column: str
    filters: dict  # column -> value

    def describe(self) -> str:
        picked = ", ".join(f"{column} = {value}" for column, value in sorted(self.filters.items()))
        return self.measure_column + (f" where {picked}" if picked else "")

    def as_dict(self) -> dict:
        return {"indicator": self.indicator_code, "measure": self.measure_column, "filters": dict(self.filters)}

    @classmethod
    def from_dict(cls, data: dict) -> "Mapping":
        return cls(str(data["indicator"]).strip(), str(data["measure"]).strip().lower(), dict(data.get("filters", {})))


@dataclass
class Figure:
    """One figure to store: a value or a symbol (and, for the neighbours' mean, how many counted)."""

    value: Decimal | None
    symbol: str = ""
    counted: int | None = None
    total: int | None = None
    name: str = ""


def _same_measurement(existing: Measurement, figure: Figure) -> bool:
    return existing.value == figure.value and existing.suppression_code == figure.symbol


def _same_benchmark(existing: Benchmark, figure: Figure) -> bool:
    return (
        existing.value == figure.value
        and existing.suppression_code == figure.symbol
        and existing.neighbours_counted == figure.counted
        and existing.neighbours_total == figure.total
        and (not figure.name or existing.name == figure.name)
    )


def figure_words(figure_value, symbol, indicator_unit, places, counted=None, total=None) -> str:
    if figure_value is None:
        words = SYMBOL_WORDS.get(symbol, "no value")
        return f"{words} ({symbol})" if symbol else words
    shown = value_words(figure_value, indicator_unit, places)
    if total:
        shown += f" (mean of {counted} of {total} neighbours)"
    return shown


def _unit_for(column: str) -> str:
    return UNIT_BY_COLUMN.get(column, Unit.NUMBER)


def _level(row) -> str:
    return row["geographic_level"].strip().lower()


def _codes(row) -> tuple[str, str]:
    return row.get("new_la_code", "").strip().upper(), row.get("old_la_code", "").strip()


def _matches(code: str, row) -> bool:
    new, old = _codes(row)
    return code.strip().upper() in {new, old} - {""}


def _select(release: Release, mapping: Mapping, la_code: str = ""):
    """The rows the mapping picks, grouped by (geography key, period start), or ReleaseRefused."""
    if mapping.measure_column not in release.columns:
        raise ReleaseRefused(
            f"The mapping for {mapping.indicator_code} names the column \u201c{mapping.measure_column}\u201d, "
            "which is not in the file."
        )
    for column in mapping.filters:
        if column not in release.columns:
            raise ReleaseRefused(
                f"The mapping for {mapping.indicator_code} names the filter column \u201c{column}\u201d, "
                "which is not in the file."
            )
    wanted = {column: str(value).strip().lower() for column, value in mapping.filters.items()}
    groups = defaultdict(list)
    for row, period in zip(release.rows, release.periods, strict=True):
        if any(row[column].strip().lower() != value for column, value in wanted.items()):
            continue
        level = _level(row)
        if level == NATIONAL:
            key = ENGLAND_KEY
        elif level == REGIONAL:
            key = "region:" + row.get("region_code", "").strip().upper()
        elif level == LOCAL:
            new, old = _codes(row)
            key = "la:" + (new or old)
        else:
            continue  # other levels (parliamentary constituency, ...) are not used
        groups[(key, period.start)].append((row, period))
    if not groups:
        raise ReleaseRefused(
            f"The mapping for {mapping.indicator_code} ({mapping.describe()}) matches no rows in the file. "
            "Check the filter values against the file."
        )

    # Name the council's own rows first when a mapping is ambiguous: that is the row the admin knows.
    def own_first(item):
        (key, start), found = item
        return (not _matches(la_code, found[0][0]) if key.startswith("la:") else True, not key.startswith("la:"), start)

    for (key, _start), found in sorted(groups.items(), key=own_first):
        if len(found) > 1:
            differ = [
                column
                for column in release.filter_columns
                if column not in mapping.filters and len({row[column].strip() for row, _ in found}) > 1
            ]
            row, period = found[0]
            where = row.get("la_name") or row.get("region_name") or row.get("country_name") or key
            raise ReleaseRefused(
                f"The mapping for {mapping.indicator_code} ({mapping.describe()}) picks {len(found)} rows for "
                f"{where.strip()} in {period.label}. "
                + (
                    "Choose a value for " + ", ".join(f"\u201c{c}\u201d" for c in differ) + " to tell them apart."
                    if differ
                    else "The file repeats the same row."
                )
            )
    return groups


def _figure(row, column, mapping) -> Figure:
    try:
        value, symbol = read_value(row[column])
    except ValueError as bad:
        raise ReleaseRefused(
            f"The column \u201c{column}\u201d for {mapping.indicator_code} holds \u201c{bad}\u201d, which is "
            "neither a number nor a DfE symbol (c, z, x, k, low, u)."
        ) from None
    return Figure(value=value, symbol=symbol)


# ------------------------------------------------------------------ recognise: the figures the mappings pick


@dataclass
class YearFigures:
    """What the file says for one mapped indicator in one year, before anything is compared with what is
    stored. `own` is None when the file has no row for the council that year (it may not have existed)."""

    period: Period
    own: Figure | None = None
    own_key: str = ""  # the council's geography key ("la:E09000099"): its place in the rank
    region: Figure | None = None  # the council's own region, so only beside its own row
    england: Figure | None = None
    neighbours: Figure | None = None  # the mean of the neighbours with a number; None when none are set
    council_values: dict = field(default_factory=dict)  # every council with a number: geography key -> value


@dataclass
class RecognisedIndicator:
    """One mapping and the figures it picks, year by year; or why it cannot be loaded. The refusal waits
    until planning reaches this mapping, so the admin hears of the first problem in the mappings' order
    (an indicator that is not annual before a later mapping's missing column)."""

    mapping: Mapping
    years: list[YearFigures] = field(default_factory=list)
    refusal: str = ""


@dataclass
class RecognisedRelease:
    release: Release
    indicators: list[RecognisedIndicator]


def _years(groups, mapping: Mapping, la_code: str, neighbour_codes: list[str]) -> list[YearFigures]:
    by_year = defaultdict(dict)
    for (key, start), found in groups.items():
        by_year[start][key] = found[0]
    years = []
    for start in sorted(by_year):
        year = by_year[start]
        figures = YearFigures(period=next(iter(year.values()))[1])
        own_row = next(
            (row for key, (row, _) in year.items() if key.startswith("la:") and _matches(la_code, row)), None
        )
        for key, (row, _) in year.items():
            if key.startswith("la:"):
                figure = _figure(row, mapping.measure_column, mapping)
                if figure.value is not None:
                    figures.council_values[key] = figure.value
        if own_row is not None:
            figures.own = _figure(own_row, mapping.measure_column, mapping)
            figures.own_key = "la:" + (_codes(own_row)[0] or _codes(own_row)[1])
            region_key = "region:" + own_row.get("region_code", "").strip().upper()
            if region_key in year:
                region_row = year[region_key][0]
                figures.region = _figure(region_row, mapping.measure_column, mapping)
                figures.region.name = region_row.get("region_name", "").strip()[:200]
        if ENGLAND_KEY in year:
            figures.england = _figure(year[ENGLAND_KEY][0], mapping.measure_column, mapping)
        if neighbour_codes:
            with_number = [
                figures.council_values[key]
                for key, (row, _) in year.items()
                if key.startswith("la:")
                and any(_matches(code, row) for code in neighbour_codes)
                and key in figures.council_values
            ]
            if with_number:
                mean = (sum(with_number) / len(with_number)).quantize(Decimal("0.0001"))
                figures.neighbours = Figure(mean, "", len(with_number), len(neighbour_codes))
            else:
                figures.neighbours = Figure(None, "x", 0, len(neighbour_codes))
        years.append(figures)
    return years


def recognise(release: Release, mappings: list[Mapping], *, la_code: str, neighbours: list[str]) -> RecognisedRelease:
    """The figures each mapping picks from the release, year by year: pure Python, nothing stored is read.
    ReleaseRefused when the council or the mappings cannot be used at all."""
    la_code = (la_code or "").strip()
    if not la_code:
        raise ReleaseRefused("The council's code is not set: set it in the council settings (or pass --la).")
    if la_code.upper() not in {code.upper() for code in release.la_codes()}:
        raise ReleaseRefused(
            f"The council's code {la_code} is not in the file. Check the council settings (or --la), "
            "and that the file has local authority rows."
        )
    if not mappings:
        raise ReleaseRefused("No indicator is mapped to a column of the file, so there is nothing to load.")
    codes = [m.indicator_code for m in mappings]
    if len({c.lower() for c in codes}) != len(codes):
        raise ReleaseRefused("An indicator is mapped twice; map each indicator once.")
    neighbour_codes = [code.strip().upper() for code in neighbours if code.strip()]
    found = []
    for mapping in mappings:
        try:
            years = _years(_select(release, mapping, la_code), mapping, la_code, neighbour_codes)
        except ReleaseRefused as refusal:
            found.append(RecognisedIndicator(mapping, refusal=str(refusal)))
        else:
            found.append(RecognisedIndicator(mapping, years))
    return RecognisedRelease(release, found)


# ------------------------------------------------------------------ plan: what is stored, then one planner per entity

INDICATOR, VALUE, BENCHMARK, RANK = "indicator", "value", "benchmark", "rank"
FIGURE_ENTITIES = (VALUE, BENCHMARK, RANK)


@dataclass
class PublishedIndicator:
    """A recognised indicator and the one it loads into: `existing`, or a new annual one (`new_fields`)."""

    recognised: RecognisedIndicator
    existing: Indicator | None
    new_fields: dict = field(default_factory=dict)
    source_changed: bool = False

    @property
    def mapping(self) -> Mapping:
        return self.recognised.mapping

    @property
    def code(self) -> str:
        return self.existing.code if self.existing else self.new_fields["code"]

    @property
    def title(self) -> str:
        return self.existing.title if self.existing else self.new_fields["title"]

    @property
    def pk(self):
        return self.existing.pk if self.existing else None

    @property
    def unit(self) -> str:
        return self.existing.unit if self.existing else self.new_fields["unit"]

    @property
    def places(self) -> int:
        return self.existing.decimal_places if self.existing else 1

    @property
    def polarity(self) -> str:
        return self.existing.polarity if self.existing else Polarity.NONE


@dataclass
class PublishedContext:
    """Everything the planners read: the recognised release, the indicators it loads into and what is
    stored for them, each loaded once."""

    indicators: list[PublishedIndicator]
    measurements: dict  # (indicator id, period) -> Measurement
    benchmarks: dict  # (indicator id, kind, period) -> Benchmark
    ranks: dict  # (indicator id, period) -> PublishedRank
    problems: list = field(default_factory=list)


def _new_indicator_fields(mapping: Mapping) -> dict:
    return {
        "code": mapping.indicator_code,
        "title": f"{mapping.measure_column.replace('_', ' ').capitalize()} ({mapping.describe()})"[:300],
        "unit": _unit_for(mapping.measure_column),
        "frequency": Frequency.ANNUAL,
        "period_type": "annual",
        # Whether higher or lower is better is the admin's call: until set, no rank or quartile.
        "polarity": Polarity.NONE,
        "source": "DfE published statistics",
    }


def resolve(recognised: RecognisedRelease) -> PublishedContext:
    """Match each mapping's code to an indicator and load what is stored for them: four queries, whatever
    the size. ReleaseRefused for the first mapping, in order, that cannot load."""
    codes = [item.mapping.indicator_code for item in recognised.indicators]
    # Codes may be written in any case; an exact match wins over one that differs only in case.
    any_case = Q()
    for code in codes:
        any_case |= Q(code__iexact=code)
    existing_indicators = {}
    for indicator in Indicator.objects.filter(any_case).select_related("published_source"):
        if indicator.code in codes or indicator.code.lower() not in existing_indicators:
            existing_indicators[indicator.code.lower()] = indicator
    ids = [i.pk for i in existing_indicators.values() if i.code.lower() in {c.lower() for c in codes}]
    benchmarks = {}
    for b in Benchmark.objects.filter(
        indicator_id__in=ids,
        kind__in=[Benchmark.Kind.ENGLAND, Benchmark.Kind.REGION, Benchmark.Kind.STAT_NEIGHBOURS],
    ).order_by("pk"):
        benchmarks.setdefault((b.indicator_id, b.kind, b.period), b)
    context = PublishedContext(
        indicators=[],
        measurements={(m.indicator_id, m.period): m for m in Measurement.objects.filter(indicator_id__in=ids)},
        benchmarks=benchmarks,
        ranks={(r.indicator_id, r.period): r for r in PublishedRank.objects.filter(indicator_id__in=ids)},
    )
    for item in recognised.indicators:
        mapping = item.mapping
        indicator = existing_indicators.get(mapping.indicator_code.lower())
        if indicator is not None and indicator.frequency != Frequency.ANNUAL:
            raise ReleaseRefused(
                f"{indicator.code} is {indicator.get_frequency_display().lower()}: only annual indicators take "
                "a published source."
            )
        if item.refusal:
            raise ReleaseRefused(item.refusal)
        loaded = PublishedIndicator(item, indicator, {} if indicator else _new_indicator_fields(mapping))
        source = getattr(indicator, "published_source", None) if indicator else None
        loaded.source_changed = source is None or (
            source.measure_column != mapping.measure_column or source.filters != mapping.filters
        )
        context.indicators.append(loaded)
    return context


@dataclass
class FigureChange(PlannedChange):
    """One figure's row (the council's value, a benchmark or its rank, in one year), in the preview's words."""

    indicator: PublishedIndicator | None = None
    period: Period | None = None
    what: str = ""  # "Our value", "England", "Region (London)", "Rank among councils"
    old_words: str = ""
    new_words: str = ""
    correction: bool = False  # a published value over one entered here is saved as a correction of it

    @property
    def status(self) -> str:
        return {CREATE: "new", UPDATE: "changed"}.get(self.kind, "same")

    def as_preview(self) -> dict:
        return {
            "period": self.period.label,
            "what": self.what,
            "old": self.old_words,
            "new": self.new_words,
            "status": self.status,
            "correction": self.correction,
        }


def _figure_row(entity, item, period, what, old, new, existing, same, target) -> FigureChange:
    kind = CREATE if existing is None else UNCHANGED if same else UPDATE
    row = FigureChange(
        entity,
        f"{item.code} {period.label} {what}",
        item.title,
        kind,
        indicator=item,
        period=period,
        what=what,
        old_words=old,
        new_words=new,
        target=target,
    )
    if kind != UNCHANGED:
        row.changes.append(FieldChange(entity, f"{period.label} {what}", old, new))
    return row


class IndicatorPlanner:
    """The indicators: a new annual one for a code not in the service, and the published source (the
    column and filters) saved on each, so next year's release loads without questions."""

    entity = INDICATOR

    def plan(self, context: PublishedContext) -> list[PlannedChange]:
        rows = []
        for item in context.indicators:
            row = PlannedChange(INDICATOR, item.code, item.title, UNCHANGED, target=item)
            if item.existing is None:
                row.kind = CREATE
                row.change("code", "Code", "", item.code)
                row.change("title", "Title", "", item.title)
                row.change("unit", "Unit", "", Unit(item.unit).label)
            elif item.source_changed:
                row.kind = UPDATE
            if item.source_changed:
                source = getattr(item.existing, "published_source", None) if item.existing else None
                old = Mapping("", source.measure_column, dict(source.filters)).describe() if source else ""
                row.change("published_source", "Published source", old, item.mapping.describe())
            rows.append(row)
        return rows


class ValuePlanner:
    """The council's own value for each year; a year the file has no row for the council is left out,
    and said so."""

    entity = VALUE

    def plan(self, context: PublishedContext) -> list[PlannedChange]:
        rows = []
        for item in context.indicators:
            for year in item.recognised.years:
                period, figure = year.period, year.own
                if figure is None:
                    context.problems.append(
                        Problem(
                            "",
                            None,
                            "",
                            f"{item.code}: the file has no row for the council in {period.label} (it may not have "
                            "existed in that form then); its own value, region and rank for that year are left out.",
                            "warning",
                        )
                    )
                    continue
                existing = context.measurements.get((item.pk, period.start))
                same = existing is not None and _same_measurement(existing, figure)
                old = ""
                if existing is not None:
                    old = figure_words(existing.value, existing.suppression_code or "", item.unit, item.places)
                    if existing.value is None and not existing.suppression_code:
                        old = existing.get_missing_reason_display().lower()
                new = figure_words(figure.value, figure.symbol, item.unit, item.places)
                target = (item, period, figure, existing)
                row = _figure_row(VALUE, item, period, "Our value", old, new, existing, same, target)
                row.correction = row.kind == UPDATE
                rows.append(row)
        return rows


class BenchmarkPlanner:
    """England, the council's region and the mean of its statistical neighbours, for each year."""

    entity = BENCHMARK

    def plan(self, context: PublishedContext) -> list[PlannedChange]:
        kinds = dict(Benchmark.Kind.choices)
        rows = []
        for item in context.indicators:
            for year in item.recognised.years:
                for kind, figure in (
                    (Benchmark.Kind.REGION, year.region),
                    (Benchmark.Kind.ENGLAND, year.england),
                    (Benchmark.Kind.STAT_NEIGHBOURS, year.neighbours),
                ):
                    if figure is None:
                        continue
                    existing = context.benchmarks.get((item.pk, kind, year.period.start))
                    same = existing is not None and _same_benchmark(existing, figure)
                    old = (
                        ""
                        if existing is None
                        else figure_words(
                            existing.value,
                            existing.suppression_code,
                            item.unit,
                            item.places,
                            existing.neighbours_counted,
                            existing.neighbours_total,
                        )
                    )
                    new = figure_words(
                        figure.value, figure.symbol, item.unit, item.places, figure.counted, figure.total
                    )
                    what = kinds[kind] + (f" ({figure.name})" if figure.name else "")
                    target = (item, year.period, kind, figure, existing)
                    rows.append(_figure_row(BENCHMARK, item, year.period, what, old, new, existing, same, target))
        return rows


class RankPlanner:
    """The council's rank and quartile among the councils with a number, each year it has a row; an
    indicator without a polarity (a context measure, or one just created) has no rank."""

    entity = RANK

    def plan(self, context: PublishedContext) -> list[PlannedChange]:
        rows = []
        for item in context.indicators:
            for year in item.recognised.years:
                if year.own is None:
                    continue
                placed = council_rank(year.council_values, year.own_key, item.polarity)
                rank = placed[0] if placed else None
                out_of = len(year.council_values)
                quart = quartile(rank, out_of)
                existing = context.ranks.get((item.pk, year.period.start))
                same = existing is not None and (existing.rank, existing.quartile, existing.out_of) == (
                    rank,
                    quart,
                    out_of,
                )
                old = "" if existing is None else rank_words(existing.rank, existing.quartile, existing.out_of)
                target = (item, year.period, rank, quart, out_of, existing)
                new = rank_words(rank, quart, out_of)
                rows.append(
                    _figure_row(RANK, item, year.period, "Rank among councils", old, new, existing, same, target)
                )
        return rows


PLANNERS = (IndicatorPlanner(), ValuePlanner(), BenchmarkPlanner(), RankPlanner())


@dataclass
class ReleaseChanges(ChangeSet):
    """What loading a release would do, planner by planner."""

    context: PublishedContext | None = None

    @property
    def figures(self) -> list[FigureChange]:
        return [row for entity in FIGURE_ENTITIES for row in self.of(entity)]

    def figures_of(self, item: PublishedIndicator) -> list[FigureChange]:
        """One indicator's figure rows as the preview lists them: by year, then by what they are."""
        return sorted((row for row in self.figures if row.indicator is item), key=lambda r: (r.period.label, r.what))

    @property
    def counts(self) -> dict:
        figures = self.figures
        created = self.count(INDICATOR, CREATE)
        return {
            "created": sum(1 for row in figures if row.kind == CREATE) + created,
            "updated": sum(1 for row in figures if row.kind == UPDATE),
            "unchanged": sum(1 for row in figures if row.kind == UNCHANGED),
            "indicators_created": created,
            "corrections": sum(1 for row in figures if row.correction),
        }


def plan_changes(recognised: RecognisedRelease) -> ReleaseChanges:
    """What loading the recognised release would change. Reads only; ReleaseRefused when it cannot load."""
    context = resolve(recognised)
    changes = ReleaseChanges(context=context)
    for planner in PLANNERS:
        changes.add(planner.entity, planner.plan(context))
    changes.problems = context.problems
    return changes


def release_changes(
    release: Release, mappings: list[Mapping], *, la_code: str, neighbours: list[str]
) -> ReleaseChanges:
    """recognise -> plan changes for a release read by read_release. Reads only; ReleaseRefused when it cannot load."""
    return plan_changes(recognise(release, mappings, la_code=la_code, neighbours=neighbours))


def rank_words(rank, quart, out_of) -> str:
    if rank is None:
        return f"no rank ({out_of} councils had a number)"
    return f"{rank} of {out_of}, quartile {quart}"


def preview_summary(changes: ReleaseChanges) -> list[dict]:
    """Per indicator, what would change (JSON for the preview page): only new and changed figures listed."""
    shown = []
    for item in changes.context.indicators:
        figures = changes.figures_of(item)
        rows = [row.as_preview() for row in figures if row.kind != UNCHANGED]
        shown.append(
            {
                "code": item.code,
                "title": item.title,
                "creating": item.existing is None,
                "mapping": item.mapping.describe(),
                "rows": rows[:MAX_PREVIEW_ROWS],
                "more_rows": max(0, len(rows) - MAX_PREVIEW_ROWS),
                "unchanged": sum(1 for row in figures if row.kind == UNCHANGED),
            }
        )
    return shown


# ------------------------------------------------------------------ writing


def _known_from(day: datetime.date) -> datetime.datetime:
    """Published history counts as known from the end of the period it describes."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))


def _missing_reason(symbol: str) -> str:
    if symbol == "z":
        return Measurement.MissingReason.NOT_APPLICABLE
    return Measurement.MissingReason.SUPPRESSED


def apply_changes(changes: ReleaseChanges, *, job, user, file_name: str) -> None:
    """Write exactly what was planned, in one transaction: indicators, sources, values, benchmarks, ranks
    and the import log."""
    reason = f"Published statistics {file_name}"[:100]
    source_text = f"DfE published statistics ({file_name})"[:200]
    now = clock.now()
    rows_of = defaultdict(lambda: defaultdict(list))  # indicator -> entity -> its figure rows
    for row in changes.figures:
        rows_of[id(row.indicator)][row.entity].append(row)
    with transaction.atomic():
        new_indicators = [Indicator(**item.new_fields) for item in changes.context.indicators if item.existing is None]
        Indicator.objects.bulk_create(new_indicators)
        Indicator.history.bulk_history_create(new_indicators, default_user=user, default_change_reason=reason)
        fresh = iter(new_indicators)
        new_m, changed_m, new_b, changed_b, new_r, changed_r, log = [], [], [], [], [], [], []
        described = {}
        for item in changes.context.indicators:
            created = item.existing is None
            indicator = next(fresh) if created else item.existing
            planned = rows_of[id(item)]
            fields = []
            if item.source_changed:
                source, _ = PublishedSource.objects.update_or_create(
                    indicator=indicator,
                    defaults={
                        "measure_column": item.mapping.measure_column,
                        "filters": item.mapping.filters,
                        "release_name": file_name[:255],
                        "updated_at": now,
                    },
                )
                fields.append({"field": "published source", "before": "", "after": str(source)})
            for row in planned[VALUE]:
                _, period, figure, existing = row.target
                values = {
                    "value": figure.value,
                    "suppression_code": figure.symbol,
                    "missing_reason": "" if figure.value is not None else _missing_reason(figure.symbol),
                }
                if row.kind == CREATE:
                    described[(indicator.pk, period.start)] = period.described_end
                    new_m.append(
                        Measurement(
                            indicator=indicator,
                            period=period.start,
                            entered_by=user,
                            entered_at=_known_from(period.described_end),
                            **values,
                        )
                    )
                elif row.kind == UPDATE:
                    before = existing.value if existing.value is not None else existing.suppression_code
                    for name, value in values.items():
                        setattr(existing, name, value)
                    # A correction keeps entered_at: the figure was known from its first entry; the
                    # history row written below says when it was corrected and by whom.
                    changed_m.append(existing)
                    fields.append(
                        {
                            "field": f"{period.label} value",
                            "before": "" if before is None else str(before),
                            "after": str(figure.value if figure.value is not None else figure.symbol),
                        }
                    )
            for row in planned[BENCHMARK]:
                _, period, kind, figure, existing = row.target
                values = {
                    "value": figure.value,
                    "suppression_code": figure.symbol,
                    "neighbours_counted": figure.counted,
                    "neighbours_total": figure.total,
                }
                if row.kind == CREATE:
                    new_b.append(
                        Benchmark(
                            indicator=indicator,
                            kind=kind,
                            name=figure.name,
                            period=period.start,
                            source=source_text,
                            **values,
                        )
                    )
                elif row.kind == UPDATE:
                    for name, value in values.items():
                        setattr(existing, name, value)
                    if figure.name:
                        existing.name = figure.name
                    existing.source = source_text
                    changed_b.append(existing)
            for row in planned[RANK]:
                _, period, rank, quart, out_of, existing = row.target
                if row.kind == CREATE:
                    new_r.append(
                        PublishedRank(
                            indicator=indicator,
                            period=period.start,
                            rank=rank,
                            quartile=quart,
                            out_of=out_of,
                            source=source_text,
                        )
                    )
                elif row.kind == UPDATE:
                    existing.rank, existing.quartile, existing.out_of = rank, quart, out_of
                    existing.source = source_text
                    changed_r.append(existing)
            figures = [row for entity in FIGURE_ENTITIES for row in planned[entity]]
            added = sum(1 for row in figures if row.kind == CREATE)
            changed = sum(1 for row in figures if row.kind == UPDATE)
            if created or added or changed or item.source_changed:
                fields.insert(0, {"field": "figures", "before": "", "after": f"{added} added, {changed} changed"})
                kind = "created" if created else "updated"
                log.append((indicator, ImportChange.of(job, kind, indicator, url="", fields=fields[:200])))
        # The one writer of KPI values; a new figure is known from the end of the DfE period it describes.
        save_measurements(
            new=new_m,
            changed=changed_m,
            update_fields=["value", "suppression_code", "missing_reason"],
            user=user,
            reason=reason,
            describes_until=described,
        )
        Benchmark.objects.bulk_create(new_b)
        if changed_b:
            Benchmark.objects.bulk_update(
                changed_b,
                ["value", "suppression_code", "neighbours_counted", "neighbours_total", "name", "source"],
            )
        Benchmark.history.bulk_history_create(new_b + changed_b, default_user=user, default_change_reason=reason)
        PublishedRank.objects.bulk_create(new_r)
        if changed_r:
            PublishedRank.objects.bulk_update(changed_r, ["rank", "quartile", "out_of", "source"])
        if job is not None:
            for indicator, record in log:
                record.object_id = indicator.pk
                record.object_label = str(indicator)[:300]
                record.object_url = indicator.get_absolute_url()
            ImportChange.objects.bulk_create([record for _, record in log])


def parse_mappings(raw: list) -> list[Mapping]:
    return [Mapping.from_dict(item) for item in raw or []]


def saved_mappings(release: Release) -> list[Mapping]:
    """The mappings saved on indicators whose indicator column is in this release (next year's file)."""
    found = []
    for source in PublishedSource.objects.select_related("indicator").filter(
        measure_column__in=release.measure_columns + release.filter_columns
    ):
        found.append(Mapping(source.indicator.code, source.measure_column, dict(source.filters)))
    return found


# ------------------------------------------------------------------ as an import job


def run(job, *, dry_run: bool) -> ImportResult:
    """read -> recognise -> plan changes -> apply, for a published-statistics ImportJob: the preview (or,
    not dry_run, the load) as an ImportResult.

    job.options: {"la_code", "neighbours", "meta"}: the council and neighbours used (from the council
    settings unless given) and the release's metadata file as text. job.mappings: {"published": [..]};
    until the admin has chosen, the mappings saved on indicators for the release's columns. The load
    reads the file again (it is small, and DfE's CSV reads the same way twice) rather than keeping a copy.
    """
    options = job.options or {}
    try:
        release = read_release(bytes(job.file_bytes), job.file_name, (options.get("meta") or "").encode() or None)
    except ReleaseRefused as refusal:
        return ImportResult(refusal=str(refusal))
    extra = {
        "measure_columns": release.measure_columns,
        "filter_columns": release.filter_columns,
        "filter_values": {column: values[:200] for column, values in release.filter_values.items()},
        "rows": len(release.rows),
    }
    if "published" in (job.mappings or {}):
        mappings = parse_mappings(job.mappings["published"])
    else:
        # The command line's --map adds to (or replaces, for the same indicator) the saved mappings.
        added = parse_mappings((job.mappings or {}).get("published_extra", []))
        named = {m.indicator_code.lower() for m in added}
        mappings = [m for m in saved_mappings(release) if m.indicator_code.lower() not in named] + added
    extra["mappings"] = [m.as_dict() for m in mappings]
    settings_row = council_settings() if not options.get("la_code") or "neighbours" not in options else None
    la_code = options.get("la_code") or (settings_row.la_code if settings_row else "")
    neighbours = options["neighbours"] if "neighbours" in options else settings_row.neighbour_codes
    extra.update(la_code=la_code, neighbours=list(neighbours))
    try:
        changes = plan_changes(recognise(release, mappings, la_code=la_code, neighbours=neighbours))
    except ReleaseRefused as refusal:
        return ImportResult(refusal=str(refusal), extra=extra)
    extra["indicators"] = preview_summary(changes)
    if not dry_run:
        apply_changes(changes, job=job, user=job.uploaded_by, file_name=job.file_name)
    return ImportResult(counts=changes.counts, problems=changes.problems, rows=changes.rows, extra=extra)
