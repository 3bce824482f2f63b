"""The public record of an identifier, shaped like the Handle.net HTTP JSON API.

``{"responseCode": 1, "handle": "<name>", "values": [{"index", "type", "data": {"format",
"value"}, "ttl", "timestamp"}]}``. Locations are ``URL`` values at indexes 1, 2, … (primary
first, then mirrors); the descriptive record follows from index 100. Handle response codes:
1 = success, 100 = handle not found, 200 = values not found (used for withdrawn identifiers:
the name exists but no longer resolves to a location).

The resolve table stores a compact form (``compact``: short keys, no repeated ttl/timestamp),
about a quarter of the expanded size, and ``expand`` builds the Handle document when a JSON
answer is asked for. The ETag is a digest of the compact form, so it changes with the record.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from types import SimpleNamespace

from shuxiang.core import options
from shuxiang.identifiers import hooks
from shuxiang.identifiers.models import Identifier, ResolveEntry

SUCCESS, NOT_FOUND, VALUES_NOT_FOUND = 1, 100, 200
DESCRIPTIVE = (
    ("TITLE", "title"),
    ("CREATOR", "creator"),
    ("DATE", "date"),
    ("PUBLISHER", "publisher"),
    ("LANGUAGE", "language"),
)
WITHDRAWN = "withdrawn"


def compact(identifier, owner_code: str) -> dict:
    """The stored form of ``identifier``'s public record (a model or any object alike)."""
    withdrawn = identifier.status == WITHDRAWN
    stamp = identifier.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ") if identifier.updated_at else ""
    data = {
        "u": [] if withdrawn else [loc["url"] for loc in identifier.locations],
        "m": {
            key: identifier.metadata[key] for _k, key in DESCRIPTIVE if identifier.metadata.get(key)
        },
        "t": identifier.resource_type,
        "r": identifier.rights,
        "o": owner_code,
        "c": identifier.fingerprint or "",
        "s": identifier.status,
        "w": identifier.decision_reason if withdrawn else "",
        "ts": stamp,
    }
    return {k: v for k, v in data.items() if v}


def expand(name: str, stored: str) -> dict:
    """The Handle-shaped document of ``name`` from its stored compact record."""
    data = json.loads(stored)
    ttl, stamp = options.value("PID_CACHE_SECONDS"), data.get("ts", "")

    def value(index: int, kind: str, text) -> dict:
        return {
            "index": index,
            "type": kind,
            "data": {"format": "string", "value": str(text)},
            "ttl": ttl,
            "timestamp": stamp,
        }

    values = [value(i, "URL", url) for i, url in enumerate(data.get("u", []), start=1)]
    extra = [(kind, data.get("m", {}).get(key)) for kind, key in DESCRIPTIVE]
    extra += [
        ("RESOURCE_TYPE", data.get("t")),
        ("RIGHTS", data.get("r")),
        ("OWNER", data.get("o")),
        ("CHECKSUM", f"sha256:{data['c']}" if data.get("c") else ""),
        ("STATUS", data.get("s")),
        ("WITHDRAWN_REASON", data.get("w")),
    ]
    values += [value(100 + i, k, v) for i, (k, v) in enumerate((k, v) for k, v in extra if v)]
    code = VALUES_NOT_FOUND if data.get("s") == WITHDRAWN else SUCCESS
    return {"responseCode": code, "handle": name, "values": values}


def expand_bytes(name: str, stored: str) -> bytes:
    return json.dumps(expand(name, stored), ensure_ascii=False).encode()


def tombstone_of(name: str, stored: str) -> SimpleNamespace:
    """What the tombstone page shows of an identifier known only by its stored record."""
    data = json.loads(stored)
    stamp = data.get("ts", "")
    try:
        when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        when = None
    metadata = data.get("m", {})
    return SimpleNamespace(
        name=name,
        title=metadata.get("title", ""),
        metadata=metadata,
        library=SimpleNamespace(name=data.get("o", "")),
        created_at=None,
        updated_at=when,
        decision_reason=data.get("w", ""),
    )


def not_found_record(name: str) -> dict:
    return {"responseCode": NOT_FOUND, "handle": name, "message": "Handle Not Found"}


def body_and_etag(identifier, owner_code: str) -> tuple[str, str]:
    """The stored compact record and its ETag value."""
    body = json.dumps(compact(identifier, owner_code), ensure_ascii=False, separators=(",", ":"))
    return body, hashlib.blake2b(body.encode(), digest_size=10).hexdigest()


def entry_for(identifier: Identifier, owner_code: str) -> ResolveEntry:
    """The resolve-table row for ``identifier`` (not saved)."""
    body, etag = body_and_etag(identifier, owner_code)
    return ResolveEntry(
        name=identifier.name,
        status=identifier.status,
        target=identifier.location,
        etag=etag,
        record=body,
    )


def sync(identifier: Identifier) -> ResolveEntry:
    """Write ``identifier``'s resolve row inside the caller's transaction."""
    entry = entry_for(identifier, identifier.library.code)
    entry.save()
    hooks.changed([entry.name])
    return entry
