"""Published statistics at scale: an 8,000-row DfE release (152 councils, 9 regions and England,
5 years, 10 filter combinations), three indicators mapped, loaded with the import_published command.

Run: DEBUG=true .venv/bin/python bench/bench_published.py
Prints the time of the first load (file read, preview and confirm, as the command runs them), of a
second load of the same file (nothing to change) and of a dry run. Target: under 10 s per load on the
2-core machine. SQLite by default (a scratch file in /tmp); set DATABASE_URL for a scratch PostgreSQL
database (it is migrated and filled).
"""

import csv
import io
import json
import random
import sys
import tempfile
import time

from _django import start  # bench/ is on the path when a script runs

start("bench_published", fresh=True)

from django.conf import settings  # noqa: E402

settings.DEBUG = False

from django.core.management import call_command  # noqa: E402

from indicators.models import Benchmark, Indicator, Measurement, PublishedRank  # noqa: E402

YEARS = range(2020, 2025)
AGES = ["Total", "Under 1", "1 to 4", "5 to 9", "10 to 15"]
GENDERS = ["Total", "Female"]
REGIONS = [(f"E120000{n:02d}", f"Region {n}") for n in range(1, 10)]
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
    "gender",
    "number",
    "percentage",
    "rate_per_10000",
]


def build_release(rng) -> bytes:
    councils = [
        (f"E0{8 if n < 80 else 6}{n:06d}", f"{200 + n}", f"Council {n}", *REGIONS[n % len(REGIONS)]) for n in range(152)
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)

    def cells():
        roll = rng.random()
        if roll < 0.03:
            return ["c", "c", "c"]
        if roll < 0.04:
            return ["low", "x", "u"]
        number = rng.randint(5, 900)
        return [number, f"{rng.uniform(40, 95):.1f}", f"{rng.uniform(20, 120):.1f}"]

    for year in YEARS:
        for age in AGES:
            for gender in GENDERS:
                common = [str(year), "Reporting year"]
                writer.writerow(
                    [*common, "National", "E92000001", "England", "", "", "", "", "", age, gender, *cells()]
                )
                for code, name in REGIONS:
                    writer.writerow(
                        [*common, "Regional", "E92000001", "England", code, name, "", "", "", age, gender, *cells()]
                    )
                for new, old, name, region_code, region_name in councils:
                    writer.writerow(
                        [
                            *common,
                            "Local authority",
                            "E92000001",
                            "England",
                            region_code,
                            region_name,
                            old,
                            new,
                            name,
                            age,
                            gender,
                            *cells(),
                        ]
                    )
    return "\ufeff".join(["", out.getvalue()]).encode()


def main():
    call_command("migrate", verbosity=0)
    rng = random.Random(16)
    data = build_release(rng)
    rows = data.count(b"\n") - 1
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as handle:
        handle.write(data)
        path = handle.name
    neighbours = ",".join(f"E08{n:06d}" for n in range(1, 11))
    maps = [
        ["--map", "CLA-PCT", "percentage", "age=Total", "gender=Total"],
        ["--map", "CLA-RATE", "rate_per_10000", "age=Under 1", "gender=Female"],
        ["--map", "CLA-NUM", "number", "age=10 to 15", "gender=Total"],
    ]
    arguments = [path, "--la", "E08000000", "--neighbours", neighbours, "--json"] + [a for m in maps for a in m]
    print(f"Release: {rows} rows, {len(data) / 1024:.0f} KB; database {settings.DATABASES['default']['ENGINE']}")

    def run(*extra):
        out = io.StringIO()
        began = time.perf_counter()
        call_command("import_published", *arguments, *extra, stdout=out)
        return time.perf_counter() - began, json.loads(out.getvalue())

    seconds, result = run("--dry-run")
    print(f"Dry run:      {seconds:6.2f} s  {result['counts']}")
    seconds, result = run()
    print(f"First load:   {seconds:6.2f} s  {result['counts']}")
    Indicator.objects.filter(code__in=["CLA-PCT", "CLA-RATE", "CLA-NUM"]).update(polarity="higher")
    seconds, result = run()
    print(f"Second load:  {seconds:6.2f} s  {result['counts']} (ranks filled once polarity is set)")
    seconds, result = run()
    print(f"Third load:   {seconds:6.2f} s  {result['counts']} (nothing to change)")
    print(
        f"Stored: {Measurement.objects.count()} values, {Benchmark.objects.count()} benchmarks, "
        f"{PublishedRank.objects.count()} ranks"
    )
    if seconds > 10:
        print("SLOWER THAN THE 10 s TARGET", file=sys.stderr)


if __name__ == "__main__":
    main()
