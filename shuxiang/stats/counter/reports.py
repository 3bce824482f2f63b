"""Building COUNTER 5.1 report JSON (header and items) from the usage events of an institution.

The institution is a library and its subtree. Investigations are item views, downloads and
plays; requests are downloads and plays; unique metrics count each reader once per item and
day; searches are searches; No_License and Limit_Exceeded count each refusal (an access policy,
a quota) the resources app reported. Zero counts are left out, as the Code of Practice asks
(except the partner of a denial metric: the 5.1 schemas want both in TR_B2). A request's
filters keep or drop usage row by row (``keeps``); its attributes split performance blocks;
``granularity=Totals`` reports each count once, under the first month of the period.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from django.conf import settings

from shuxiang.network.models import Library
from shuxiang.stats.backends import get_backend
from shuxiang.stats.counter.items import NAMESPACE, Item, describe
from shuxiang.stats.counter.params import Options
from shuxiang.stats.counter.views import DENIALS, ITEM_METRICS, TITLE_TYPES, View

ROW_METRICS = (*ITEM_METRICS, "No_License", "Limit_Exceeded")  # the backends' item_rows order
ACCESS_METHOD = "Regular"  # this node has no text-and-data-mining channel


def platform_name() -> str:
    return settings.NODE_NAME


def exception(code: int, message: str, data: str = "") -> dict:
    """A COUNTER exception object."""
    result = {"Code": code, "Message": message}
    if data:
        result["Data"] = data
    return result


def header(view: View, library: Library, begin: date, end: date, options: Options) -> dict:
    filters: dict = {}
    if not view.master:
        filters["Metric_Type"] = list(view.metrics)
    filters.update({"Begin_Date": begin.isoformat(), "End_Date": end.isoformat()})
    filters.update(view.filters)
    filters.update(options.filters)
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
    if options.attributes:
        result["Report_Attributes"] = dict(options.attributes)
    return result


class _Tally:
    """key → attribute values → metric → month → count, keeping first-seen descriptions."""

    def __init__(self) -> None:
        self.data: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
        self.about: dict = {}

    def add(self, key, attributes: tuple, metric: str, month: str, n: int) -> None:
        if n:
            months = self.data[key][attributes][metric]
            months[month] = months.get(month, 0) + n


class _Builder:
    """The Report_Items of one view for one request."""

    def __init__(self, view: View, options: Options, begin: date) -> None:
        self.view, self.options = view, options
        self.total_month = begin.strftime("%Y-%m") if options.totals else ""
        self.names = (*view.attributes, *options.shown)
        self.tally = _Tally()

    # -- which rows count -------------------------------------------------------------
    def _data_type(self, item: Item) -> str:
        return item.item_type if self.view.level == "item" else item.title_type

    def keeps(self, item: Item, data_type: str, database: str) -> bool:
        view, options = self.view, self.options
        if view.level == "title" and data_type not in TITLE_TYPES:
            return False  # multimedia is reported per item (IR), never as a title
        checks = (
            (view.data_types, data_type),
            (options.data_types, data_type),
            (view.access_types, item.access_type),
            (options.access_types, item.access_type),
            (options.access_methods, ACCESS_METHOD),
        )
        if any(allowed and value not in allowed for allowed, value in checks):
            return False
        if options.yops and not any(lo <= int(item.yop) <= hi for lo, hi in options.yops):
            return False
        if options.item_id and options.item_id not in item.identifiers():
            return False
        if options.author and options.author not in item.authors:
            return False
        return not options.database or options.database == database

    # -- tallying -----------------------------------------------------------------------
    def _attributes(self, values: dict) -> tuple:
        return tuple((name, values[name]) for name in self.names if name in values)

    def _key(self, item: Item, database: str) -> str:
        return {
            "platform": "platform",
            "database": database,
            "title": item.title_key,
        }.get(self.view.level, item.item_id)

    def add_usage(self, item: Item, resource_type: str, month: str, counts: dict) -> None:
        data_type, database = self._data_type(item), resource_type or "general"
        if not self.keeps(item, data_type, database):
            return
        key = self._key(item, database)
        name = {"title": item.title_name, "database": database}.get(self.view.level, item.name)
        self.tally.about.setdefault(key, (name, item))
        values = {"Data_Type": data_type, "YOP": item.yop, "Access_Type": item.access_type}
        attributes = self._attributes({**values, "Access_Method": ACCESS_METHOD})
        # A database's refusals are the database's (Data_Type Database_Full), like its searches.
        refused = attributes
        if self.view.level == "database":
            refused = self._attributes(
                {"Data_Type": "Database_Full", "Access_Method": ACCESS_METHOD}
            )
        month = self.total_month or month
        for metric in ROW_METRICS:
            where = refused if metric in DENIALS else attributes
            self.tally.add(key, where, metric, month, counts[metric])
            if item.title_type == "Book" and metric.startswith("Unique"):
                title_metric = metric.replace("Item", "Title")
                self.tally.add(key, attributes, title_metric, month, counts[metric])

    def add_searches(self, resource_type: str, month: str, n: int) -> None:
        level, options = self.view.level, self.options
        if level not in ("platform", "database") or not n:
            return
        data_type = "Platform" if level == "platform" else "Database_Full"
        key = "platform" if level == "platform" else resource_type or "general"
        if options.data_types and data_type not in options.data_types:
            return
        if options.access_methods and ACCESS_METHOD not in options.access_methods:
            return
        if options.database and options.database != key:
            return
        if level == "database":
            self.tally.about.setdefault(key, (key, None))
        attributes = self._attributes({"Data_Type": data_type, "Access_Method": ACCESS_METHOD})
        metric = "Searches_Platform" if level == "platform" else "Searches_Regular"
        self.tally.add(key, attributes, metric, self.total_month or month, n)

    # -- output -------------------------------------------------------------------------
    def _metrics(self) -> tuple[str, ...]:
        wanted = self.options.metrics
        return tuple(m for m in self.view.metrics if not wanted or m in wanted)

    def blocks(self, by_attributes: dict) -> list[dict]:
        metrics, blocks = self._metrics(), []
        for attributes, counts in sorted(by_attributes.items()):
            performance = {m: dict(sorted(counts[m].items())) for m in metrics if counts.get(m)}
            denied = {m: performance.pop(m) for m in DENIALS if m in performance}
            _pair_denials(denied, metrics)
            paired = [m for m in performance if not m.startswith("Searches")]
            # Totals and unique counts come in pairs; one alone only when a filter asks so.
            alone = len(paired) == len(performance) == 1 and not self.options.metrics
            if performance and not alone:
                blocks.append({**dict(attributes), "Performance": performance})
            if denied:  # the 5.1 schemas keep denials in a block of their own
                blocks.append({**dict(attributes), "Performance": denied})
        return blocks


def _pair_denials(performance: dict, metrics: tuple[str, ...]) -> None:
    """Show both denial metrics when one is shown, the other with zeros for the same months.

    The 5.1 schemas of TR_B2 and TR want at least two metrics per block, and a title refused
    only for want of a licence has no other one.
    """
    shown = [m for m in DENIALS if m in performance]
    if not shown:
        return
    months = sorted({month for m in shown for month in performance[m]})
    for metric in DENIALS:
        if metric in metrics and metric not in performance:
            performance[metric] = dict.fromkeys(months, 0)


def _name(text: str) -> str:
    return text if len(text) >= 2 else f"{text} "


def _item_entry(view: View, options: Options, item: Item, blocks: list[dict]) -> dict:
    platform = platform_name()
    entry = {"Item": _name(item.name), "Publisher": platform, "Platform": platform}
    entry["Item_ID"] = dict(item.ids)
    if (view.report_id == "IR_A1" or "Authors" in options.shown) and item.authors:
        entry["Authors"] = [{"Name": _name(name)} for name in item.authors]
    if (view.report_id == "IR_A1" or "Publication_Date" in options.shown) and item.publication_date:
        entry["Publication_Date"] = item.publication_date
    return {**entry, "Attribute_Performance": blocks}


def _item_groups(view: View, options: Options, entries: list[tuple[Item, dict]]) -> list:
    grouped = view.with_parent or options.parent
    parents: dict = {}
    loose = []
    for item, entry in entries:
        if not grouped or not item.has_parent:
            loose.append(entry)
            continue
        if item.title_key not in parents:
            parent = {"Title": item.title_name, "Item_ID": dict(item.title_ids), "Items": []}
            if view.master:
                parent["Data_Type"] = item.title_type
            parents[item.title_key] = parent
        parents[item.title_key]["Items"].append(entry)
    groups = [parents[key] for key in sorted(parents)]
    return groups + ([{"Items": loose}] if loose else [])


def report_items(view: View, options: Options, begin: date, rows: list[tuple]) -> list[dict]:
    """The Report_Items of ``view`` from backend item rows."""
    builder = _Builder(view, options, begin)
    items = describe(rows)
    for month, item_id, _, resource_type, searches, *usage in rows:
        if not item_id:
            builder.add_searches(resource_type, month, searches)
            continue
        counts = dict(zip(ROW_METRICS, usage, strict=True))
        builder.add_usage(items[item_id], resource_type, month, counts)
    platform, result, entries = platform_name(), [], []
    for key in sorted(builder.tally.data):
        blocks = builder.blocks(builder.tally.data[key])
        if not blocks:
            continue
        name, item = builder.tally.about.get(key, (key, None))
        if view.level == "platform":
            result.append({"Platform": platform, "Attribute_Performance": blocks})
        elif view.level == "item":
            entries.append((item, _item_entry(view, options, item, blocks)))
        else:
            label = "Database" if view.level == "database" else "Title"
            ids = item.title_ids if label == "Title" else {"Proprietary": f"{NAMESPACE}:{key}"}
            described = {label: _name(name), "Publisher": platform, "Platform": platform}
            result.append({**described, "Item_ID": dict(ids), "Attribute_Performance": blocks})
    return _item_groups(view, options, entries) if view.level == "item" else result


def build(
    view: View, library: Library, libraries: list[str], begin: date, end: date, options: Options
) -> dict:
    """The whole report for ``library`` (its subtree is ``libraries``) over the months."""
    rows = get_backend().item_rows(begin, end, libraries)
    result = {"Report_Header": header(view, library, begin, end, options)}
    result["Report_Items"] = report_items(view, options, begin, rows)
    return result
