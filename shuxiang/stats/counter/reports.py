"""Building COUNTER 5.1 report JSON (header and items) from the usage events of an institution.

The institution is a library and its subtree. Investigations are item views, downloads and
plays; requests are downloads and plays; unique metrics count each reader once per item and
day; searches are searches. Zero counts are left out, as the Code of Practice asks.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from django.conf import settings

from shuxiang.network.models import Library
from shuxiang.stats.backends import get_backend
from shuxiang.stats.counter.views import ITEM_LEVEL, TITLE_LEVEL, View

NAMESPACE = "Shuxiang"
YOP_UNKNOWN = "0001"
TITLE_TYPES = {"Book", "Journal", "Newspaper_or_Newsletter", "Thesis_or_Dissertation", "Other"}
ITEM_METRICS = (
    "Total_Item_Investigations",
    "Total_Item_Requests",
    "Unique_Item_Investigations",
    "Unique_Item_Requests",
)


def platform_name() -> str:
    return settings.NODE_NAME


def exception(code: int, message: str, data: str = "") -> dict:
    """A COUNTER exception object."""
    result = {"Code": code, "Message": message}
    if data:
        result["Data"] = data
    return result


def header(view: View, library: Library, begin: date, end: date) -> dict:
    filters: dict = {}
    if not view.master:
        filters["Metric_Type"] = list(view.metrics)
    filters.update({"Begin_Date": begin.isoformat(), "End_Date": end.isoformat()})
    filters.update(view.filters)
    result = {
        "Release": "5.1",
        "Report_ID": view.report_id,
        "Report_Name": view.name,
        "Created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Created_By": platform_name(),
        "Registry_Record": "",  # no COUNTER Registry record: the value stays blank
        "Institution_ID": {"Proprietary": [f"{NAMESPACE}:{library.code}"]},
        "Institution_Name": library.name,
        "Report_Filters": filters,
    }
    if view.shown:
        result["Report_Attributes"] = {"Attributes_To_Show": list(view.shown)}
    return result


def _data_type(resource_type: str) -> str:
    return TITLE_LEVEL.get(resource_type.lower(), "Other")


def _counts(row: tuple) -> dict[str, int]:
    _, _, _, _, searches, ti, tr, ui, ur = row
    return dict(zip(("Searches", *ITEM_METRICS), (searches, ti, tr, ui, ur), strict=True))


class _Tally:
    """key → attribute values → metric → month → count, keeping first-seen descriptions."""

    def __init__(self) -> None:
        self.data: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
        self.about: dict = {}

    def add(self, key, attributes: tuple, metric: str, month: str, n: int) -> None:
        if n:
            months = self.data[key][attributes][metric]
            months[month] = months.get(month, 0) + n


def _attributes(view: View, data_type: str) -> tuple:
    values = {"Data_Type": data_type, "YOP": YOP_UNKNOWN, "Access_Type": "Controlled"}
    values["Access_Method"] = "Regular"
    return tuple((name, values[name]) for name in view.attributes)


def _tally(view: View, rows: list[tuple]) -> _Tally:
    tally = _Tally()
    for row in rows:
        month, item_id, title, resource_type = row[:4]
        counts = _counts(row)
        data_type = _data_type(resource_type)
        if view.data_types and data_type not in view.data_types:
            continue
        if view.level == "title" and data_type not in TITLE_TYPES:
            continue  # multimedia is reported per item (IR), never as a title
        if view.level == "item":
            data_type = ITEM_LEVEL.get(data_type, data_type)
        key = _key(view, item_id, resource_type)
        if key is None:
            _add_searches(view, tally, resource_type, month, counts["Searches"])
            continue
        tally.about.setdefault(key, (title or item_id, data_type))
        attributes = _attributes(view, data_type)
        for metric in ITEM_METRICS:
            tally.add(key, attributes, metric, month, counts[metric])
            if data_type == "Book" and metric.startswith("Unique"):
                tally.add(key, attributes, metric.replace("Item", "Title"), month, counts[metric])
    return tally


def _key(view: View, item_id: str, resource_type: str):
    if not item_id:
        return None
    if view.level == "platform":
        return "platform"
    if view.level == "database":
        return resource_type or "general"
    return item_id


def _add_searches(view: View, tally: _Tally, resource_type: str, month: str, n: int) -> None:
    if view.level == "platform":
        attributes = tuple(
            (name, value)
            for name, value in (("Data_Type", "Platform"), ("Access_Method", "Regular"))
            if name in view.attributes
        )
        tally.add("platform", attributes, "Searches_Platform", month, n)
    elif view.level == "database":
        key = resource_type or "general"
        tally.about.setdefault(key, (key, "Database_Full"))
        attributes = tuple(
            (name, value)
            for name, value in (("Data_Type", "Database_Full"), ("Access_Method", "Regular"))
            if name in view.attributes
        )
        tally.add(key, attributes, "Searches_Regular", month, n)


def _performance_blocks(view: View, by_attributes: dict) -> list[dict]:
    blocks = []
    for attributes, metrics in sorted(by_attributes.items()):
        performance = {
            metric: dict(sorted(metrics[metric].items()))
            for metric in view.metrics
            if metrics.get(metric)
        }
        if len(performance) >= (1 if _is_search_block(performance) else 2):
            blocks.append({**dict(attributes), "Performance": performance})
    return blocks


def _is_search_block(performance: dict) -> bool:
    return all(metric.startswith("Searches") for metric in performance)


def report_items(view: View, rows: list[tuple]) -> list[dict]:
    """The Report_Items of ``view`` from backend item rows."""
    tally = _tally(view, rows)
    platform = platform_name()
    items = []
    for key in sorted(tally.data):
        blocks = _performance_blocks(view, tally.data[key])
        if not blocks:
            continue
        name, data_type = tally.about.get(key, (key, ""))
        if view.level == "platform":
            items.append({"Platform": platform, "Attribute_Performance": blocks})
            continue
        described = {"Publisher": platform, "Platform": platform}
        described["Item_ID"] = {"Proprietary": f"{NAMESPACE}:{key}"}
        label = {"database": "Database", "title": "Title", "item": "Item"}[view.level]
        items.append({label: _name(name), **described, "Attribute_Performance": blocks})
    if view.level == "item" and items:
        return [{"Items": items}]
    return items


def _name(text: str) -> str:
    return text if len(text) >= 2 else f"{text} "


def build(view: View, library: Library, libraries: list[str], begin: date, end: date) -> dict:
    """The whole report for ``library`` (its subtree is ``libraries``) over the months."""
    rows = get_backend().item_rows(begin, end, libraries)
    result = {"Report_Header": header(view, library, begin, end)}
    result["Report_Items"] = report_items(view, rows)
    if not result["Report_Items"]:
        result["Report_Header"]["Exceptions"] = [
            exception(3030, "No Usage Available for Requested Dates")
        ]
    return result
