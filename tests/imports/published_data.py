"""Small releases in DfE's open data format ("explore education statistics"), built for the tests.

The council is Riverford (E09000099, old code 999) in the London region; its neighbours are three
London councils. Values are made up but deterministic, so tests can say what each figure must be.
"""

import csv
import io

OWN = ("E09000099", "999", "Riverford", "E13000001", "London")
NEIGHBOURS = [
    ("E09000001", "201", "City of London", "E13000001", "London"),
    ("E09000002", "301", "Barking and Dagenham", "E13000001", "London"),
    ("E09000003", "302", "Barnet", "E13000001", "London"),
]
OTHERS = [
    ("E08000025", "330", "Birmingham", "E12000005", "West Midlands"),
    ("E08000026", "331", "Coventry", "E12000005", "West Midlands"),
    ("E06000001", "805", "Hartlepool", "E12000001", "North East"),
    ("E06000002", "806", "Middlesbrough", "E12000001", "North East"),
]
COUNCILS = [OWN, *NEIGHBOURS, *OTHERS]
NEIGHBOUR_CODES = [c[0] for c in NEIGHBOURS]
REGIONS = {("E13000001", "London"), ("E12000005", "West Midlands"), ("E12000001", "North East")}
HEADER = [
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
    "age",
    "number",
    "percentage",
    "population_estimate",
]


def default_value(year, code, age):
    """Percentage for a council: its position in COUNCILS sets it, so the ranking is known (higher first)."""
    base = {c[0]: 70 - 5 * i for i, c in enumerate(COUNCILS)}
    if code == "england":
        base_value = 60
    elif code.startswith("E1"):
        base_value = {"E13000001": 62, "E12000005": 58, "E12000001": 55}[code]
    else:
        base_value = base[code]
    return str(base_value + (year - 2022) + (0 if age == "Total" else -10))


def rows(years=(2022, 2023, 2024), *, value=default_value, ages=("Total", "Under 16"), skip=(), councils=None):
    """Every row of a release: national, regional and local authority, for each year and age.

    `value(year, code, age)` gives the percentage cell (a number as text or a DfE symbol); `skip` holds
    (code, year) pairs with no row at all (a council that did not exist then)."""
    found = []
    for year in years:
        for age in ages:
            found.append(_row(year, "National", "", "", "", "", "", age, value(year, "england", age)))
            for region_code, region_name in sorted(REGIONS):
                found.append(
                    _row(year, "Regional", region_code, region_name, "", "", "", age, value(year, region_code, age))
                )
            for new, old, name, region_code, region_name in councils or COUNCILS:
                if (new, year) in skip:
                    continue
                found.append(
                    _row(year, "Local authority", region_code, region_name, old, new, name, age, value(year, new, age))
                )
    return found


def _row(year, level, region_code, region_name, old, new, name, age, percentage):
    number = "c" if percentage in {"c", "z", "x", "k", "low", "u"} else str(int(float(percentage) * 3))
    return {
        "time_period": str(year),
        "time_identifier": "Reporting year",
        "geographic_level": level,
        "country_code": "E92000001",
        "country_name": "England",
        "region_code": region_code,
        "region_name": region_name,
        "old_la_code": old,
        "new_la_code": new,
        "la_name": name,
        "age": age,
        "number": number,
        "percentage": percentage,
        "population_estimate": "12345",
    }


def release_csv(found=None, *, bom=False, header=None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows() if found is None else found)
    data = out.getvalue().encode()
    return b"\xef\xbb\xbf" + data if bom else data


def meta_csv(filters=("age",), indicators=("number", "percentage")) -> bytes:
    lines = ["col_name,col_type,label"]
    lines += [f"{name},Filter,{name}" for name in filters]
    lines += [f"{name},Indicator,{name}" for name in indicators]
    return ("\n".join(lines) + "\n").encode()
