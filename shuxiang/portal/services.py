"""Curation services: columns, topics and their entries on a library's site.

Every function takes the actor (``by=``), checks that they may curate the library, validates
everything before storing, runs in one transaction and writes an audit row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.actors import Actor, is_system
from shuxiang.core.errors import ValidationFailed
from shuxiang.network.models import Library
from shuxiang.portal import queries
from shuxiang.portal.models import Column, Entry, Shelf, Topic
from shuxiang.portal.permissions import require_curator
from shuxiang.portal.validation import clean_entry, clean_shelf

KINDS: dict[str, type[Shelf]] = {"column": Column, "topic": Topic}


def shelf_model(kind: str) -> type[Shelf]:
    """The model for ``kind`` ("column" or "topic")."""
    if kind not in KINDS:
        raise ValidationFailed.single("kind", _("Use column or topic."))
    return KINDS[kind]


def _kind_of(shelf: Shelf) -> str:
    return "column" if isinstance(shelf, Column) else "topic"


def _person(actor: Actor):
    return None if is_system(actor) else actor


@transaction.atomic
def create_shelf(library: Library, kind: str, data: Mapping[str, Any], *, by: Actor) -> Shelf:
    """Add a column or topic at the end of ``library``'s list."""
    model = shelf_model(kind)
    require_curator(by, library)
    cleaned = clean_shelf(data)
    last = model.objects.filter(library=library).aggregate(m=Max("position"))["m"]
    shelf = model.objects.create(
        library=library, position=(last or 0) + 1, created_by=_person(by), **cleaned
    )
    audit.record(by, f"portal.create_{kind}", shelf, library=library.code, title=shelf.title)
    queries.curation_changed()
    return shelf


@transaction.atomic
def update_shelf(shelf: Shelf, data: Mapping[str, Any], *, by: Actor) -> Shelf:
    """Change a column's or topic's title, summary, schedule or distribution."""
    require_curator(by, shelf.library)
    cleaned = clean_shelf(data, current=shelf)
    for name, value in cleaned.items():
        setattr(shelf, name, value)
    shelf.save()
    audit.record(by, f"portal.update_{_kind_of(shelf)}", shelf, changed=sorted(cleaned))
    queries.curation_changed()
    return shelf


@transaction.atomic
def delete_shelf(shelf: Shelf, *, by: Actor) -> None:
    """Remove a column or topic with its entries."""
    require_curator(by, shelf.library)
    audit.record(by, f"portal.delete_{_kind_of(shelf)}", shelf, title=shelf.title)
    queries.curation_changed()
    shelf.delete()


def _renumber(rows: Sequence) -> None:
    model = type(rows[0]) if rows else None
    for number, row in enumerate(rows, start=1):
        row.position = number
    if model is not None:
        model.objects.bulk_update(rows, ["position"])


def _apply_order(rows: list, ids: Sequence[int], field: str = "ids") -> None:
    """Put ``rows`` in the order of ``ids``, which must name each of them exactly once."""
    by_id = {row.pk: row for row in rows}
    if sorted(ids) != sorted(by_id) or len(set(ids)) != len(ids):
        raise ValidationFailed.single(
            field, _("List every item of this list exactly once, in the new order."), "mismatch"
        )
    _renumber([by_id[i] for i in ids])


def _moved(ids: list[int], pk: int, delta: int) -> list[int]:
    index = ids.index(pk)
    target = min(max(index + delta, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    return ids


@transaction.atomic
def reorder_shelves(library: Library, kind: str, ids: Sequence[int], *, by: Actor) -> None:
    """Set the order of ``library``'s columns (or topics) to ``ids``."""
    model = shelf_model(kind)
    require_curator(by, library)
    rows = list(model.objects.select_for_update().filter(library=library))
    _apply_order(rows, list(ids))
    audit.record(by, f"portal.reorder_{kind}s", library, order=list(ids))
    queries.curation_changed()


def move_shelf(shelf: Shelf, delta: int, *, by: Actor) -> None:
    """Move a column or topic ``delta`` places (negative = up)."""
    kind = _kind_of(shelf)
    ids = list(type(shelf).objects.filter(library=shelf.library_id).values_list("pk", flat=True))
    reorder_shelves(shelf.library, kind, _moved(ids, shelf.pk, delta), by=by)


@transaction.atomic
def add_entry(shelf: Shelf, data: Mapping[str, Any], *, by: Actor) -> Entry:
    """Append an entry to a column or topic."""
    require_curator(by, shelf.library)
    cleaned = clean_entry(data)
    owner = {_kind_of(shelf): shelf}
    last = Entry.objects.filter(**owner).aggregate(m=Max("position"))["m"]
    entry = Entry.objects.create(position=(last or 0) + 1, **owner, **cleaned)
    audit.record(by, "portal.add_entry", entry, shelf=f"{_kind_of(shelf)}:{shelf.pk}")
    queries.curation_changed()
    return entry


@transaction.atomic
def update_entry(entry: Entry, data: Mapping[str, Any], *, by: Actor) -> Entry:
    """Change an entry's title, link, reference, note or schedule."""
    require_curator(by, entry.shelf.library)
    cleaned = clean_entry(data, current=entry)
    for name, value in cleaned.items():
        setattr(entry, name, value)
    entry.save()
    audit.record(by, "portal.update_entry", entry, changed=sorted(cleaned))
    queries.curation_changed()
    return entry


@transaction.atomic
def delete_entry(entry: Entry, *, by: Actor) -> None:
    """Remove an entry."""
    require_curator(by, entry.shelf.library)
    audit.record(by, "portal.delete_entry", entry, title=entry.title)
    queries.curation_changed()
    entry.delete()


def _entries_of(shelf: Shelf):
    return Entry.objects.filter(**{_kind_of(shelf): shelf})


@transaction.atomic
def reorder_entries(shelf: Shelf, ids: Sequence[int], *, by: Actor) -> None:
    """Set the order of a column's (or topic's) entries to ``ids``."""
    require_curator(by, shelf.library)
    _apply_order(list(_entries_of(shelf).select_for_update()), list(ids))
    audit.record(by, "portal.reorder_entries", shelf, order=list(ids))
    queries.curation_changed()


def move_entry(entry: Entry, delta: int, *, by: Actor) -> None:
    """Move an entry ``delta`` places within its column or topic (negative = up)."""
    shelf = entry.shelf
    ids = list(_entries_of(shelf).values_list("pk", flat=True))
    reorder_entries(shelf, _moved(ids, entry.pk, delta), by=by)
