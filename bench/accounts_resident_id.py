"""Resident-ID validation rate (full GB 11643-1999 check) against a bare regex.

Generates valid numbers over random current and historical division codes and birth dates,
then measures numbers/s for: a bare shape regex (the baseline: what a form without real
validation does), the full check with the division looked up in the database (what
registration runs), and the full check with the division set held in memory.
Last line: JSON result (ratio = full-with-database rate / regex rate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import tempfile
import time


def setup() -> None:
    os.environ["SHUXIANG_DATA_DIR"] = tempfile.mkdtemp(prefix="shuxiang-bench-")
    os.environ.pop("SHUXIANG_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from shuxiang.network.divisions import load_divisions

    load_divisions(progress=False)


def median_rate(func, items, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            func(item)
        samples.append(time.perf_counter() - start)
    return len(items) / statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--numbers", type=int, default=5000, help="ID numbers per run.")
    parser.add_argument("--repeat", type=int, default=5, help="Runs per method (median kept).")
    args = parser.parse_args()
    setup()
    from shuxiang.accounts import resident_id
    from shuxiang.network.models import Division

    codes = list(Division.objects.values_list("code", flat=True))
    rng = random.Random(2026)
    start = dt.date(1930, 1, 1)
    numbers = [
        resident_id.generate(
            rng.choice(codes), start + dt.timedelta(days=rng.randrange(30000)), rng.randrange(999)
        )
        for _ in range(args.numbers)
    ]
    shape = re.compile(r"^\d{17}[\dX]$")
    known = set(codes)
    regex_rate = median_rate(shape.match, numbers, args.repeat)
    db_rate = median_rate(resident_id.parse, numbers, args.repeat)
    memory_rate = median_rate(
        lambda n: resident_id.parse(n, known_division=known.__contains__), numbers, args.repeat
    )
    print(f"{len(numbers)} valid numbers over {len(codes)} division codes, median of {args.repeat}")
    print(f"bare regex:                   {regex_rate:12,.0f} numbers/s")
    print(f"full check, database lookup:  {db_rate:12,.0f} numbers/s")
    print(f"full check, in-memory codes:  {memory_rate:12,.0f} numbers/s")
    result = {
        "bench": "accounts_resident_id",
        "metric": "full GB 11643-1999 validations/s (division looked up in the database)",
        "value": round(db_rate, 1),
        "baseline": "bare shape regex matches/s",
        "baseline_value": round(regex_rate, 1),
        "ratio": round(db_rate / regex_rate, 4),
        "unit": "numbers/s",
        "in_memory_divisions_value": round(memory_rate, 1),
        "in_memory_divisions_ratio": round(memory_rate / regex_rate, 4),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
