"""Describers of every kind of entity, loaded from ``SHUXIANG_LINKEDDATA_DESCRIBERS``."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from shuxiang.core import options
from shuxiang.linkeddata.describers.base import Describer


@cache
def _load(paths: tuple[str, ...]) -> tuple[Describer, ...]:
    found: list[Describer] = []
    for path in paths:
        found.extend(import_module(path).DESCRIBERS)
    return tuple(found)


def all_describers() -> tuple[Describer, ...]:
    """Every configured describer, in the configured order."""
    return _load(tuple(options.value("LINKEDDATA_DESCRIBERS")))


def for_url_name(name: str) -> Describer | None:
    """The describer of the pages named ``name`` (``app:url-name``), if any."""
    for describer in all_describers():
        if name in describer.url_names:
            return describer
    return None


def for_model(label: str) -> list[Describer]:
    """Describers whose documents change when a row of ``label`` (app_label.Model) changes."""
    return [d for d in all_describers() if label in d.models]
