"""The parts of a Groonga ``select`` for a search (issue #21): the weighted text query, the
filters and the records an actor may not see as script syntax, the sort keys, and the facet
and works drilldowns with their answers read back. Pure functions of the query: no server."""

from __future__ import annotations

from shuxiang.catalog.models import AccessPolicy
from shuxiang.catalog.search.base import COUNT_LIMIT, FACETS, SearchQuery, Visibility
from shuxiang.catalog.search.groonga_client import GROUP_COLUMNS, NO_YEAR_LOW, literal

# Term frequency × weight, summed over the query's terms (as PostgreSQL's ts_rank with its
# weights): creators weigh as much as titles, so a name finds the person's own works first.
WEIGHTS = {"title": 10, "creator": 10, "subject": 2, "body": 1}
FACET_KEYS = {"subject": "subjects"}  # facet name → column (others have the facet's name)
ACCESS_POLICIES = tuple(AccessPolicy.values)
FACET_SIZE = 12
# Distinct works among the matches: the number of groups by work, counted in the same select
# over at most COUNT_LIMIT + 1 matches (Groonga's ``max_n_target_records``): exact whenever the
# matches are no more than COUNT_LIMIT, and a broad query, whose works are not counted
# ("10,000+"), does not group its hundreds of thousands of matches by work.
WORKS = {
    "drilldowns[works].keys": "work",
    "drilldowns[works].limit": 0,
    "drilldowns[works].output_columns": "_key",
    "drilldowns[works].max_n_target_records": COUNT_LIMIT + 1,
}
SORT_KEYS = {"year": "year_up,_key", "-year": "-year,_key", "title": "sort_title,_key"}


def works_inline(query: SearchQuery) -> bool:
    """Whether to count the works in the main select (over at most COUNT_LIMIT + 1 matches,
    a few ms even for a broad query) rather than in a second select run only when the main
    one matched no more than COUNT_LIMIT: a query of one word without filters that matches so
    few is cheap to run again, while several words or filters may find few matches among the
    hundreds of thousands of each word's. Only the cost depends on this, never the answer."""
    return len(query.terms) > 1 or any(query.filters.values())


def match_columns(field: str) -> str:
    names = list(WEIGHTS) if field == "any" else [field]
    return " || ".join(f"{name} * {WEIGHTS[name]}" for name in names)


def any_of(conjunctions: list[list[str]]) -> str:
    """Query syntax matching every term of any one of ``conjunctions`` (each term quoted, so
    no word is read as an operator)."""
    return " OR ".join(
        "(" + " ".join(literal(term) for term in terms) + ")" for terms in conjunctions
    )


def sort_keys(query: SearchQuery) -> str:
    if query.sort in SORT_KEYS:
        return SORT_KEYS[query.sort]
    return "-_score,_key" if query.terms else "_key"


def filter_of(query: SearchQuery) -> list[str]:
    """The query's filters, as conditions of the script syntax."""
    conditions = []
    for name, values in query.filters.items():
        if not values:
            continue
        if name == "subject":
            conditions.append(" || ".join(f"subjects @ {literal(v)}" for v in values))
        elif name == "year":
            years = [str(int(v)) for v in values if str(v).lstrip("-").isdigit()]
            conditions.append(_one_of("year", years) if years else "false")
        else:
            conditions.append(_one_of(FACET_KEYS.get(name, name), [literal(v) for v in values]))
    if query.year_from is not None or query.year_to is not None:
        low = max(query.year_from if query.year_from is not None else -99_999, -99_999)
        high = query.year_to if query.year_to is not None else 99_999
        conditions.append(f"year >= {int(low)} && year <= {int(high)}")
    return conditions


def _one_of(column: str, values: list[str]) -> str:
    """``column`` equal to one of ``values`` (script literals): one value is compared (Groonga
    checks each match against it faster than it runs ``in_values``), more go to ``in_values``."""
    if len(values) == 1:
        return f"{column} == {values[0]}"
    return f"in_values({column}, {', '.join(values)})"


def visibility_of(vis: Visibility) -> str | None:
    """What ``vis`` may NOT see: the restricted records it is not let into (as the tantivy
    backend: restricted records are few, so excluding them is cheap); None: everything."""
    if vis.everything:
        return None
    allowed = {"public", "registered"} if vis.authenticated else {"public"}
    restricted = ", ".join(literal(p) for p in ACCESS_POLICIES if p not in allowed)
    hidden = f"in_values(access, {restricted})"
    if vis.home_library:
        home = literal(vis.home_library)
        hidden += f' &! (in_values(access, "library", "network") && library == {home})'
    if vis.staff_scopes:
        scopes = " || ".join(f"ancestors @ {literal(code)}" for code in vis.staff_scopes)
        hidden += f" &! ({scopes})"
    return hidden


def drilldowns(size: int) -> dict:
    """Facet counts over every match: the matches grouped by their combination of scalar
    facet values; those combinations by year, and by their group (the values but the year);
    the groups by each other value (each step summing the counts); and the subjects. The
    twelve largest values of each (one more asked: an empty value or the year placeholder may
    be among them)."""
    params = {"drilldowns[combos].keys": "combo", "drilldowns[combos].limit": 0}
    params["drilldowns[combos].output_columns"] = "_key"
    params.update(_summed("groups", "combos", "group", "_nsubrecs", 0, "_key"))
    params.update(_summed("year", "combos", "year", "_nsubrecs", size + 1))
    for name in GROUP_COLUMNS:
        params.update(_summed(name, "groups", name, "_sum", size + 1))
    label = "drilldowns[subject]"
    params.update(
        {
            f"{label}.keys": "subjects",
            f"{label}.sort_keys": "-_nsubrecs,_key",
            f"{label}.output_columns": "_key,_nsubrecs",
            f"{label}.limit": size + 1,
        }
    )
    return params


def _summed(label: str, table: str, keys: str, target: str, limit: int, output="_key,_sum"):
    """A drilldown of an earlier one's groups by ``keys``, summing their counts."""
    prefix = f"drilldowns[{label}]"
    params = {
        f"{prefix}.table": table,
        f"{prefix}.keys": keys,
        f"{prefix}.calc_types": "SUM",
        f"{prefix}.calc_target": target,
        f"{prefix}.output_columns": output,
        f"{prefix}.limit": limit,
    }
    if limit:
        params[f"{prefix}.sort_keys"] = "-_sum,_key"
    return params


def facets_of(found: dict) -> dict[str, list[tuple[str, int]]]:
    facets = {}
    for name in FACETS:
        rows = found.get(name, {}).get("records", [])
        buckets = [(str(key), int(n)) for key, n in rows if key not in ("", None, NO_YEAR_LOW)]
        facets[name] = sorted(buckets, key=lambda b: (-b[1], b[0]))[:FACET_SIZE]
    return facets
