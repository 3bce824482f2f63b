"""Warehouse services: store records from any source, cluster them into works, delete them.

Every record change bumps its datestamp (what OAI-PMH harvesters see) and schedules the search
index update for after the commit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.catalog import indexing, normalize
from shuxiang.catalog.models import AccessPolicy, Record, Source, Work
from shuxiang.core import audit
from shuxiang.core.actors import SYSTEM, Actor
from shuxiang.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from shuxiang.network import scopes
from shuxiang.network.models import Library

TEXT_FIELDS = ("title", "description", "publisher", "date", "language", "type", "collection")
LIST_FIELDS = ("creators", "subjects", "identifiers")
LIMITS = {"title": 1000, "publisher": 500, "date": 64, "collection": 200}
_SET_SAFE = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")


def clean_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Normalized core fields from a loose mapping (strings or lists; missing → empty)."""
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = raw.get(name) or ""
        if value.__class__ is not str:  # harvested values are strings: the common case first
            if isinstance(value, list | tuple):
                value = next((str(v) for v in value if v), "")
            value = str(value)
        fields[name] = value.strip()
    for name in LIST_FIELDS:
        value = raw.get(name) or raw.get(name.rstrip("s")) or []
        if isinstance(value, str):
            value = [value]
        fields[name] = [text for v in value if v and (text := str(v).strip())]
    for name, limit in LIMITS.items():  # harvested data can be longer than any sane value
        fields[name] = fields[name][:limit]
    fields["title_folded"] = normalize.fold(fields["title"])[:200]
    fields["language"] = normalize.language_code(fields["language"])
    fields["type"] = fields["type"][:32].lower()
    fields["year"] = normalize.year_of(fields["date"])
    isbn = str(raw.get("isbn") or "")
    candidates = [isbn, *fields["identifiers"]]
    fields["isbn"] = next((n for n in map(normalize.isbn13, candidates) if n), "")
    return fields


def set_spec_of(kind: str, value: str) -> str:
    """A valid OAI setSpec component for a value (ASCII kept, other text hashed)."""
    if _SET_SAFE.match(value):
        return f"{kind}:{value}"
    return f"{kind}:h{hashlib.sha1(value.encode()).hexdigest()[:12]}"


def set_specs_for(record: Record) -> list[str]:
    """Sets a record belongs to: its library and every library above, its type, collection."""
    specs = []
    if record.library_id:
        codes = [c for c in record.library.path.split("/") if c]
        specs += ["library", *("library:" + ":".join(codes[: i + 1]) for i in range(len(codes)))]
    if record.type:
        specs += ["type", set_spec_of("type", record.type)]
    if record.collection:
        specs += ["collection", set_spec_of("collection", record.collection)]
    return specs


def _cluster(record: Record) -> None:
    key = _work_key_of(record)
    previous = record.work_id
    work, _created = Work.objects.get_or_create(
        key=key,
        defaults={"title": record.title[:500], "creators": record.creators, "year": record.year},
    )
    record.work = work
    if previous and previous != work.pk:
        transaction.on_commit(lambda: _drop_if_empty(previous))


def _work_key_of(record: Record) -> str:
    """The work key; equal title, author and year are not enough when the same source already
    holds a record of that key with other content (诗经's three 扬之水, 王维's two 送别): such
    a record gets a key of its own, which copies with the same content in other sources
    find."""
    key = normalize.work_key(
        isbn=record.isbn, title=record.title, creators=record.creators, year=record.year
    )
    if record.isbn:
        return key
    own = f"{key}|{_fingerprint(record.description)}"[:255]
    if Work.objects.filter(key=own).exists():
        return own
    same_source = Record.objects.filter(work__key=key, source_id=record.source_id)
    others = same_source.exclude(pk=record.pk).values_list("description", flat=True)
    mine = _fingerprint(record.description)
    return own if any(_fingerprint(text) != mine for text in others) else key


def _fingerprint(text: str) -> str:
    return hashlib.sha1(normalize.compact(text).encode("utf-8")).hexdigest()[:16]


def _drop_if_empty(work_id: int) -> None:
    Work.objects.filter(pk=work_id, records__isnull=True).delete()


def _require_may_change(by: Actor, source: Source, library: Library | None) -> None:
    target = library or source.library
    if target is None:
        if not getattr(by, "is_superuser", False):
            raise PermissionDenied(_("Only the system may change shared records."))
        return
    scopes.require(by, target, _("change catalog records of"))


@transaction.atomic
def upsert_record(
    *,
    source: Source,
    local_id: str,
    fmt: str,
    payload: str,
    fields: Mapping[str, Any],
    by: Actor,
    library: Library | None = None,
    access_policy: str = AccessPolicy.PUBLIC,
    deleted: bool = False,
    source_datestamp: str = "",
    encoding: str = "",
) -> Record:
    """Create or replace the record ``local_id`` of ``source``; deleted records keep a tombstone."""
    _require_may_change(by, source, library)
    errors = _check(local_id, access_policy)
    cleaned = clean_fields(fields)
    if not deleted and not cleaned["title"]:
        errors.append(FieldError("title", _("A record needs a title."), "required"))
    if errors:
        raise ValidationFailed(_("The record cannot be stored."), errors)
    record = Record.objects.filter(source=source, local_id=local_id).first() or Record(
        source=source, local_id=local_id
    )
    record.format, record.payload, record.deleted = fmt, payload, deleted
    record.library = library or source.library
    record.access_policy, record.source_datestamp = access_policy, source_datestamp[:40]
    record.encoding = encoding[:32]
    record.datestamp = timezone.now().replace(microsecond=0)
    if source.kind == Source.Kind.OAI:
        record.harvested_at = record.datestamp
    if not deleted or not record.pk:
        for name, value in cleaned.items():
            setattr(record, name, value)
    record.set_specs = "|" + "|".join(set_specs_for(record)) + "|"
    _cluster(record)
    record.save()
    indexing.schedule(record.pk)
    return record


def _check(local_id: str, access_policy: str) -> list[FieldError]:
    errors = []
    if not local_id or len(local_id) > 255:
        errors.append(FieldError("local_id", _("Give an identifier of 1 to 255 characters.")))
    if access_policy not in AccessPolicy.values:
        errors.append(
            FieldError(
                "access_policy",
                _("Unknown access policy %(value)s; use one of %(choices)s.")
                % {"value": access_policy, "choices": ", ".join(AccessPolicy.values)},
                "choice",
            )
        )
    return errors


def local_source(library: Library, key: str) -> Source:
    """The source holding the published resources of ``library`` (created on first use)."""
    source, _created = Source.objects.get_or_create(
        key=key,
        defaults={
            "name": f"{library.name} resources",
            "kind": Source.Kind.LOCAL,
            "library": library,
        },
    )
    return source


def upsert_local_record(
    *,
    source_key: str,
    library: Library,
    payload: dict,
    access_policy: str,
    deleted: bool = False,
    by: Actor = SYSTEM,
) -> Record:
    """The seam for the resources app: a published (or withdrawn) local resource as a record.

    ``payload`` holds Dublin Core-style keys (title, creators, subjects, description, date,
    language, type, collection, identifiers, isbn) and ``id``, the resource's stable identifier.
    """
    import json

    if library is None:
        raise ValidationFailed.single("library", _("A local record belongs to a library."))
    local_id = str(payload.get("id") or "")
    return upsert_record(
        source=local_source(library, f"local-{source_key}"[:64]),
        local_id=local_id,
        fmt="native",
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str),
        fields=payload,
        by=by,
        library=library,
        access_policy=access_policy,
        deleted=deleted,
    )


@transaction.atomic
def delete_record(record_id: int, *, by: Actor) -> Record:
    """Mark a record deleted (OAI keeps the tombstone; search drops it)."""
    record = Record.objects.select_related("source", "library").filter(pk=record_id).first()
    if record is None:
        raise NotFound(_("No record has the id %(id)s.") % {"id": record_id})
    _require_may_change(by, record.source, record.library)
    record.deleted = True
    record.datestamp = timezone.now().replace(microsecond=0)
    record.save(update_fields=["deleted", "datestamp"])
    audit.record(by, "catalog.delete_record", record, local_id=record.local_id)
    indexing.schedule(record.pk)
    return record
