"""OAI sets: library (hierarchical along the library tree), type and collection."""

from __future__ import annotations

from shuxiang.catalog.models import Record
from shuxiang.catalog.services import set_spec_of
from shuxiang.network.models import Library


def all_sets(records=None) -> list[tuple[str, str]]:
    """Every set that holds ``records`` (default: all), as (setSpec, setName), stably ordered."""
    live = (Record.objects.all() if records is None else records).order_by()
    library_ids = live.exclude(library=None).values_list("library_id", flat=True).distinct()
    codes: set[str] = set()
    for path in Library.objects.filter(pk__in=library_ids).values_list("path", flat=True):
        codes.update(c for c in path.split("/") if c)
    names = dict(Library.objects.filter(code__in=codes).values_list("code", "name"))
    paths = Library.objects.filter(code__in=codes).values_list("path", flat=True)
    sets = []
    for path in sorted(paths):
        chain = [c for c in path.split("/") if c]
        sets.append(("library:" + ":".join(chain), names.get(chain[-1], chain[-1])))
    types = live.exclude(type="").values_list("type", flat=True).distinct()
    sets += sorted((set_spec_of("type", t), t) for t in types)
    collections = live.exclude(collection="").values_list("collection", flat=True).distinct()
    sets += sorted((set_spec_of("collection", c), c) for c in collections)
    for prefix, name in (
        ("library", "Libraries"),
        ("type", "Types"),
        ("collection", "Collections"),
    ):
        if any(spec.startswith(prefix + ":") for spec, _ in sets):
            sets.append((prefix, name))
    return sorted(sets)
