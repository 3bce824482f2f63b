"""Shapes of the statistics API: figures in, figures out."""

from __future__ import annotations

from datetime import date

from ninja import Schema


class PeriodIn(Schema):
    begin: str | None = None
    end: str | None = None


class TotalsOut(Schema):
    library: str
    begin: date
    end: date
    events: int
    by_kind: dict[str, int]
    by_channel: dict[str, int]
    by_resource_type: dict[str, int]


class ComparisonRow(Schema):
    library: str
    name: str
    events: int
    by_kind: dict[str, int]


class TrendPoint(Schema):
    day: date
    events: int


class FigureOut(Schema):
    code: str
    label: str
    unit: str
    value: float


class HeartbeatIn(Schema):
    node: str
    storage_bytes: int = 0
    bandwidth_mbps: int = 0
    version: str = ""


class HeartbeatOut(Schema):
    library: str
    node: str
    at: str


class TrainingIn(Schema):
    title: str
    held_on: str
    mode: str = "onsite"
    attendees: int = 0


class TrainingOut(Schema):
    id: int
    library: str
    title: str
    held_on: date
    attendees: int
