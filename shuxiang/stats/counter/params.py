"""Reading the filters and attributes of a COUNTER_SUSHI report request (COUNTER 5.1 §3.3.7).

Standard views take only the base parameters. The master reports (PR, DR, TR, IR) take the
filters and attributes the COUNTER_SUSHI API lists for each; lists are ``|``-separated. What
cannot be honoured is reported in the header and otherwise ignored, as the Code of Practice
asks: an unknown parameter is 3050, an invalid or unsupported filter value 3060, an invalid or
unsupported attribute value 3062, component details 3063.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shuxiang.stats.counter.views import ACCESS_METHODS, ACCESS_TYPES, View

BASE = {"customer_id", "requestor_id", "api_key", "platform", "begin_date", "end_date"}
EXTENSION_FILTERS = ("attributed", "country_code", "subdivision_code")
SUPPORTED_SHOWN = {
    "platform": ("Access_Method",),
    "database": ("Access_Method",),
    "title": ("YOP", "Access_Type", "Access_Method"),
    "item": ("YOP", "Access_Type", "Access_Method", "Authors", "Publication_Date"),
}
YOP_RANGE = re.compile(r"^([0-9]{4})(?:-([0-9]{4}))?$", re.ASCII)
HEADER_NAMES = {
    "metric_type": "Metric_Type",
    "data_type": "Data_Type",
    "access_type": "Access_Type",
    "access_method": "Access_Method",
}


@dataclass
class Options:
    """What a request asks of a report, and the notices to put in its header."""

    metrics: tuple[str, ...] = ()  # empty: every metric of the view
    data_types: tuple[str, ...] = ()
    access_types: tuple[str, ...] = ()
    access_methods: tuple[str, ...] = ()
    yops: tuple[tuple[int, int], ...] = ()
    item_id: str = ""
    author: str = ""
    database: str = ""
    shown: tuple[str, ...] = ()
    totals: bool = False
    parent: bool = False
    filters: dict = field(default_factory=dict)  # for Report_Filters
    attributes: dict = field(default_factory=dict)  # for Report_Attributes
    notices: list[dict] = field(default_factory=list)

    def notice(self, code: int, message: str, data: str) -> None:
        self.notices.append({"Code": code, "Message": message, "Data": data})


def _values(raw: str) -> list[str]:
    seen: list[str] = []
    for part in raw.split("|"):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


def _canonical(values: list[str], allowed) -> tuple[list[str], list[str]]:
    """(known values in their canonical spelling, unknown values); case is not significant."""
    by_lower = {value.lower(): value for value in allowed}
    known = [by_lower[v.lower()] for v in values if v.lower() in by_lower]
    return known, [v for v in values if v.lower() not in by_lower]


def _invalid_filter(options: Options, name: str, values: list[str]) -> None:
    options.notice(3060, "Invalid ReportFilter Value", f"{name}: {'|'.join(values)}")


def _list_filter(options: Options, query, name: str, allowed) -> tuple[str, ...]:
    raw = query.get(name, "")
    if not raw.strip():
        return ()
    known, unknown = _canonical(_values(raw), allowed)
    if unknown:
        _invalid_filter(options, name, unknown)
    if known:
        options.filters[HEADER_NAMES[name]] = known
    return tuple(known)


def _yop_filter(options: Options, raw: str) -> tuple[tuple[int, int], ...]:
    ranges, shown, bad = [], [], []
    for value in _values(raw):
        match = YOP_RANGE.match(value)
        low, high = (int(match[1]), int(match[2] or match[1])) if match else (0, -1)
        if low > high:
            bad.append(value)
            continue
        ranges.append((low, high))
        shown.append(value)
    if bad:
        _invalid_filter(options, "yop", bad)
    if shown:
        options.filters["YOP"] = shown
    return tuple(ranges)


def _text_filter(options: Options, query, name: str, header: str) -> str:
    value = query.get(name, "").strip()
    if len(value) >= 2:
        options.filters[header] = value
        return value
    if value:
        _invalid_filter(options, name, [value])
    return ""


def _filters(view: View, query, options: Options) -> None:
    allowed = set(view.parameters)
    if "metric_type" in allowed:
        options.metrics = _list_filter(options, query, "metric_type", view.metric_values)
    if "data_type" in allowed:
        options.data_types = _list_filter(options, query, "data_type", view.data_type_values)
    if "access_type" in allowed:
        options.access_types = _list_filter(options, query, "access_type", ACCESS_TYPES)
    if "access_method" in allowed:
        options.access_methods = _list_filter(options, query, "access_method", ACCESS_METHODS)
    if "yop" in allowed and query.get("yop", "").strip():
        options.yops = _yop_filter(options, query["yop"])
    if "item_id" in allowed:
        options.item_id = _text_filter(options, query, "item_id", "Item_ID")
    if "author" in allowed:
        options.author = _text_filter(options, query, "author", "Author")
    if "database" in allowed:
        options.database = _text_filter(options, query, "database", "Database")
    for name in EXTENSION_FILTERS:
        if query.get(name, "").strip():
            _invalid_filter(options, name, [f"{query[name]} (extension not supported)"])


def _invalid_attribute(options: Options, name: str, values: list[str]) -> None:
    options.notice(3062, "Invalid ReportAttribute Value", f"{name}: {'|'.join(values)}")


def _shown(view: View, raw: str, options: Options) -> None:
    known, unknown = _canonical(_values(raw), view.shown_values)
    supported = SUPPORTED_SHOWN[view.level]
    unsupported = [value for value in known if value not in supported]
    if unknown:
        _invalid_attribute(options, "attributes_to_show", unknown)
    if unsupported:
        _invalid_attribute(
            options, "attributes_to_show", [f"{v} (not supported)" for v in unsupported]
        )
    options.shown = tuple(
        value for value in view.shown_values if value in known and value in supported
    )
    if options.shown:
        options.attributes["Attributes_To_Show"] = list(options.shown)


def _flag(options: Options, query, name: str) -> bool:
    raw = query.get(name, "").strip()
    if raw.lower() in ("", "false"):
        return False
    if raw.lower() == "true":
        return True
    _invalid_attribute(options, name, [raw])
    return False


def _attributes(view: View, query, options: Options) -> None:
    if "attributes_to_show" in view.parameters and query.get("attributes_to_show", "").strip():
        _shown(view, query["attributes_to_show"], options)
    granularity = query.get("granularity", "").strip()
    if granularity.lower() in ("totals", "total"):
        # The Code of Practice (the version of record) spells it Totals; the 5.1 API
        # specification as first published said Total. Both are read; Totals is written.
        options.totals = True
        options.attributes["Granularity"] = "Totals"
    elif granularity and granularity.lower() != "month":
        _invalid_attribute(options, "granularity", [granularity])
    if "include_parent_details" in view.parameters and _flag(
        options, query, "include_parent_details"
    ):
        options.parent = True
        options.attributes["Include_Parent_Details"] = "True"
    if "include_component_details" in view.parameters and _flag(
        options, query, "include_component_details"
    ):
        options.notice(3063, "Components Not Supported", "include_component_details")


def _platform(query, options: Options, platform: str) -> None:
    value = query.get("platform", "").strip()
    if value and value.casefold() == platform.casefold():
        options.filters["Platform"] = platform
    elif value:
        _invalid_filter(options, "platform", [f"{value} (this server reports {platform})"])


def read(view: View, query, platform: str) -> Options:
    """The options of ``query`` (a QueryDict) for ``view``, with their notices."""
    options = Options()
    _platform(query, options, platform)
    unknown = sorted(set(query) - BASE - set(view.parameters) - set(EXTENSION_FILTERS))
    if not view.master:
        unknown = sorted(set(query) - BASE)
    if unknown:
        options.notice(3050, "Parameter Not Recognized in this Context", ", ".join(unknown))
    if view.master:
        _filters(view, query, options)
        _attributes(view, query, options)
    return options
