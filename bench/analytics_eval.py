"""Offline evaluation of the recommenders (see shuxiang/analytics/evaluation.py).

python bench/analytics_eval.py [--als]                       # demo-sized year (200k events)
python bench/analytics_eval.py [--als] 1000000 20000 2000 50  # the larger generated year

--als also fits implicit-feedback ALS (needs ``pip install implicit``; bench only) with each
of a few settings (factors, regularization, alpha). Chosen on the test month itself, the best of
them is an optimistic figure for ALS.
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

ALS_GRID = [
    {"factors": f, "regularization": r, "alpha": a, "iterations": 15}
    for f in (32, 128)
    for r in (0.01, 0.1)
    for a in (2.0, 20.0)
] + [{"factors": 64, "regularization": 0.05, "alpha": 20.0, "iterations": 15}]


def main() -> None:
    als = ALS_GRID if "--als" in sys.argv else ()
    numbers = [int(a) for a in sys.argv[1:] if a != "--als"]
    shape = Shape(*numbers) if numbers else Shape()
    print(f"dataset: {shape}")
    try:
        results = evaluate_generated(shape, als)
    except RuntimeError as error:
        sys.exit(str(error))
    for name, figures in results.items():
        print(f"{name:22}", {k: round(v, 4) for k, v in figures.items()})


if __name__ == "__main__":
    main()
