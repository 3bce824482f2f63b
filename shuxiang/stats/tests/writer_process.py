"""A writer process for the crash test: records events forever, acknowledging each flush.

Prints ``ACK <total>`` after every acknowledged flush, so the parent knows what is durable.
"""

from __future__ import annotations

import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    django.setup()
    from shuxiang.stats import backends, events

    if len(sys.argv) > 1:
        from shuxiang.stats.backends.duckdb import ParquetBackend

        backends.reset_backend(ParquetBackend(sys.argv[1]))
    events.COLLECTOR.interval = 0
    total = 0
    while True:
        for n in range(500):
            events.record("item_view", library="330681", item_id=f"i{n}", reader=n)
        total += events.flush()
        print(f"ACK {total}", flush=True)


if __name__ == "__main__":
    main()
