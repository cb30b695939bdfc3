"""Crafted spreadsheets (issue 13, finding 2): how long each takes to be refused and how much memory.

Run: .venv/bin/python bench/bench_crafted_files.py
Each file runs in a fresh process (so ru_maxrss, the peak resident memory, is that file's own) with the
real caps (IMPORT_MAX_CELLS 2,000,000, Excel's limits, 128 MB a member, 256 MB in all). Prints the
file's size, the time to the refusal, the peak memory above the process's baseline, and the message.
Target: each under 2 s and 200 MB. Reading only: no database is touched.
"""

import io
import json
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bomb(unpacked: int, claimed: int | None = None) -> bytes:
    # Streamed into the zip a megabyte at a time, so building it costs no memory worth counting.
    from tests.imports import crafted

    head, tail = crafted.sheet("").split(b"<sheetData>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in crafted._parts(b"", None).items():
            if name != crafted.SHEET:
                archive.writestr(name, content)
        with archive.open(crafted.SHEET, "w", force_zip64=False) as member:
            member.write(head + b"<sheetData>")
            chunk = b" " * 1_048_576
            for _ in range(unpacked // len(chunk)):
                member.write(chunk)
            member.write(tail)
    data = out.getvalue()
    return crafted.claim_size(data, crafted.SHEET, claimed) if claimed is not None else data


def _release(size: int) -> bytes:
    from tests.imports import published_data

    header, row = published_data.release_csv().split(b"\n")[:2]
    return header + b"\n" + (row + b"\n") * (size // (len(row) + 1))


def _cases():
    from tests.imports import crafted

    return {
        "external entity": lambda: (crafted.external_entity(), "plan.xlsx"),
        "billion laughs": lambda: (crafted.billion_laughs(), "plan.xlsx"),
        "row 3,000,000": lambda: (crafted.huge_row(3_000_000), "plan.xlsx"),
        "column ZZZZZZZ": lambda: (crafted.huge_column("ZZZZZZZ"), "plan.xlsx"),
        "merged A1:XFD1048576 over 200 rows": lambda: (crafted.huge_merge(rows=200), "plan.xlsx"),
        "2.1 million cells": lambda: (crafted.many_cells(rows=2_100, columns=1_000), "plan.xlsx"),
        "2.1 million shared strings": lambda: (crafted.many_strings(2_100_000), "plan.xlsx"),
        "compression bomb, 1 GB of spaces": lambda: (_bomb(1024 * 1_048_576), "plan.xlsx"),
        "member claiming 200 bytes, holding 1 GB": lambda: (_bomb(1024 * 1_048_576, claimed=200), "plan.xlsx"),
        "member claiming 100 MB, holding 1 GB": lambda: (_bomb(1024 * 1_048_576, claimed=100 * 1_048_576), "plan.xlsx"),
        "5,000 zip members": lambda: (crafted.many_members(5_000), "plan.xlsx"),
        "csv of 1.1 million rows": lambda: (crafted.csv_rows(1_100_000), "plan.csv"),
        "csv line of 3 million commas": lambda: (b"Ref" + b"," * 3_000_000 + b"\n", "plan.csv"),
        "published csv of 9.9 MB (the upload limit)": lambda: (_release(9_900_000), "published.csv"),
        "published csv of 11 MB": lambda: (_release(11_000_000), "published.csv"),
        "control: a real cell in row 1,048,576 (read)": lambda: (crafted.huge_row(1_048_576), "plan.xlsx"),
    }


def _run_one(name: str) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from imports import published
    from imports.parsing.workbook import FileRefused, read_workbook

    content, file_name = _cases()[name]()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        if file_name == "published.csv":
            published.read_release(content, file_name)
        else:
            sheets = read_workbook(content, file_name)
            message = f"read: {sum(len(s.rows) for s in sheets):,} rows"
    except (FileRefused, published.ReleaseRefused) as refusal:
        message = str(refusal)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"bytes": len(content), "seconds": seconds, "peak_mb": (peak - baseline) / 1024, "message": message}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(_run_one(sys.argv[2])))
        return
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    print(f"{'file':46} {'size':>10} {'time s':>7} {'peak MB':>8}  message")
    worst_time = worst_peak = 0.0
    for name in _cases():
        output = subprocess.run(
            [sys.executable, __file__, "--case", name], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        worst_time, worst_peak = max(worst_time, result["seconds"]), max(worst_peak, result["peak_mb"])
        print(
            f"{name:46} {result['bytes']:>10,} {result['seconds']:>7.2f} {result['peak_mb']:>8.1f}  "
            f"{result['message'][:110]}"
        )
    print(f"worst: {worst_time:.2f} s, {worst_peak:.1f} MB above baseline (target: under 2 s and 200 MB each)")


if __name__ == "__main__":
    main()
