"""Fixtures of analytics tests: generated inputs and one Spark session for the whole run."""

from __future__ import annotations

import pytest

from shuxiang.analytics import engines
from shuxiang.analytics.export import write_batches
from shuxiang.analytics.generator import Shape, generate

PAIRS = [("1", "1"), ("11", "1"), ("11", "11"), ("12", "1"), ("12", "12")]
SMALL = Shape(events=6_000, readers=300, items=60, topics=6, seed=5)


@pytest.fixture(scope="session")
def small_inputs(tmp_path_factory):
    """A generated year of 6,000 events over a three-library tree, as job inputs."""
    folder = tmp_path_factory.mktemp("inputs")
    return write_batches(generate(SMALL, ["1", "11", "12"]), folder, PAIRS)


@pytest.fixture(scope="session")
def spark():
    """Spark in local mode, started once per test session and stopped at its end."""
    session = engines.spark_session()
    yield session
    engines.stop_spark()


@pytest.fixture(autouse=True)
def _english():
    """Reasons and errors are compared in English (zh-Hans is the pages' default)."""
    from django.utils import translation

    with translation.override("en"):
        yield
