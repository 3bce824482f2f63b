"""Offline evaluation of the recommenders (see shuxiang/analytics/evaluation.py).

python bench/analytics_eval.py                       # demo-sized year (200k events)
python bench/analytics_eval.py 2000000 50000 5000 100 # the larger generated year
"""

from __future__ import annotations

import os
import sys
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
os.environ.setdefault("SHUXIANG_DATA_DIR", tempfile.mkdtemp())

import django  # noqa: E402

django.setup()

from shuxiang.analytics.evaluation import evaluate_generated  # noqa: E402
from shuxiang.analytics.generator import Shape  # noqa: E402


def main() -> None:
    numbers = [int(a) for a in sys.argv[1:]]
    shape = Shape(*numbers) if numbers else Shape()
    print(f"dataset: {shape}")
    for name, figures in evaluate_generated(shape).items():
        print(f"{name:22}", {k: round(v, 4) for k, v in figures.items()})


if __name__ == "__main__":
    main()
