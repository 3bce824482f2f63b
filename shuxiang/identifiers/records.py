"""The public record of an identifier, shaped like the Handle.net HTTP JSON API.

``{"responseCode": 1, "handle": "<name>", "values": [{"index", "type", "data": {"format",
"value"}, "ttl", "timestamp"}]}``. Locations are ``URL`` values at indexes 1, 2, … (primary
first, then mirrors); the descriptive record follows from index 100. Handle response codes:
1 = success, 100 = handle not found, 200 = values not found (used for withdrawn identifiers:
the name exists but no longer resolves to a location).
"""

from __future__ import annotations

import hashlib
import json

from shuxiang.core import options
from shuxiang.identifiers.models import Identifier, ResolveEntry

SUCCESS, NOT_FOUND, VALUES_NOT_FOUND = 1, 100, 200
DESCRIPTIVE = (
    ("TITLE", "title"),
    ("CREATOR", "creator"),
    ("DATE", "date"),
    ("PUBLISHER", "publisher"),
    ("LANGUAGE", "language"),
)


def _value(index: int, kind: str, value, ttl: int, stamp: str) -> dict:
    return {
        "index": index,
        "type": kind,
        "data": {"format": "string", "value": str(value)},
        "ttl": ttl,
        "timestamp": stamp,
    }


def handle_record(identifier: Identifier, owner_code: str) -> dict:
    """The Handle-shaped JSON document for ``identifier`` (owner given to avoid a query)."""
    ttl = options.value("PID_CACHE_SECONDS")
    stamp = identifier.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ") if identifier.updated_at else ""
    withdrawn = identifier.status == Identifier.Status.WITHDRAWN
    values = []
    if not withdrawn:
        for index, location in enumerate(identifier.locations, start=1):
            values.append(_value(index, "URL", location["url"], ttl, stamp))
    index = 100
    for kind, key in DESCRIPTIVE:
        if identifier.metadata.get(key):
            values.append(_value(index, kind, identifier.metadata[key], ttl, stamp))
            index += 1
    extra = [
        ("RESOURCE_TYPE", identifier.resource_type),
        ("RIGHTS", identifier.rights),
        ("OWNER", owner_code),
        ("CHECKSUM", f"sha256:{identifier.fingerprint}" if identifier.fingerprint else ""),
        ("STATUS", identifier.status),
        ("WITHDRAWN_REASON", identifier.decision_reason if withdrawn else ""),
    ]
    for kind, value in extra:
        if value:
            values.append(_value(index, kind, value, ttl, stamp))
            index += 1
    code = VALUES_NOT_FOUND if withdrawn else SUCCESS
    return {"responseCode": code, "handle": identifier.name, "values": values}


def not_found_record(name: str) -> dict:
    return {"responseCode": NOT_FOUND, "handle": name, "message": "Handle Not Found"}


def body_and_etag(identifier, owner_code: str) -> tuple[str, str]:
    """The JSON body and its ETag value for ``identifier`` (a model or any object alike)."""
    body = json.dumps(handle_record(identifier, owner_code), ensure_ascii=False, sort_keys=True)
    return body, hashlib.sha256(body.encode()).hexdigest()[:20]


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
    return entry
