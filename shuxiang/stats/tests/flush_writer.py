"""A writer for the flush kill test: numbered events over two days a batch, ACK after each flush.

``python flush_writer.py FIRST [PARQUET_ROOT]`` records events numbered FIRST, FIRST+1, ...
(item ids ``e<n>``), each batch spanning two local days, and prints ``ACK <n>`` once every
event below n is acknowledged by the backend.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

import django

BATCH = 400
DAYS = (datetime(2026, 3, 1, 4, tzinfo=UTC), datetime(2026, 3, 2, 4, tzinfo=UTC))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    django.setup()
    from shuxiang.stats import backends, events

    if len(sys.argv) > 2:
        from shuxiang.stats.backends.duckdb import ParquetBackend

        backends.reset_backend(ParquetBackend(sys.argv[2]))
    events.COLLECTOR.interval = 0
    number = int(sys.argv[1])
    while True:
        for _ in range(BATCH):
            at = DAYS[number % 2]
            events.record("download", library="330681", item_id=f"e{number}", at=at)
            number += 1
        events.flush()
        print(f"ACK {number}", flush=True)


if __name__ == "__main__":
    main()
