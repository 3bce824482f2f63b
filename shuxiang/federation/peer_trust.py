"""Which peer key verifies a signed request: looked up once per process, then cached.

Every signed request needs the claimed key, its node's status and whether the key is retired.
Reading them from the database on each request cost more than the signature itself (a
connection, a join), so each process keeps what it read, tagged with the trust generation of
``replay.get_store()`` read *before* the database. Any change to a peer node or its keys
advances the generation (at once, and again once the transaction commits), and a process that
sees a new generation forgets everything it cached: a revocation or a rotation is honoured by
every worker at its next request. Entries are also re-read after ``MAX_AGE`` at the latest, so
a lost advance (Redis briefly away) cannot keep a revoked key alive for long. A retirement in
the future (the grace period after a rotation) is judged against the clock on each request.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from shuxiang.federation import keys, replay
from shuxiang.federation.models import Node, NodeKey

MAX_AGE = 30.0  # seconds an entry is trusted without reading the database again
LAST_SEEN_STEP = timedelta(seconds=60)
log = logging.getLogger("shuxiang.federation")


@dataclass
class PeerKey:
    key_id: str
    node_id: int
    node_name: str
    node_status: str
    retired_at: datetime | None
    public: Ed25519PublicKey
    last_seen: datetime | None
    read_at: float

    def is_active(self) -> bool:
        return self.retired_at is None or self.retired_at > timezone.now()


_cache: dict = {"generation": None, "keys": {}}


def _read(key_id: str) -> PeerKey | None:
    row = NodeKey.objects.select_related("node").filter(key_id=key_id).first()
    if row is None:
        return None
    node = row.node
    return PeerKey(
        key_id, node.pk, node.name, node.status, row.retired_at,
        keys.public_key_from_b64(row.public_key), node.last_seen, time.monotonic(),
    )  # fmt: skip


def lookup(key_id: str) -> PeerKey | None:
    """The peer key ``key_id`` with its node's status (cached while the generation holds)."""
    store = replay.get_store()
    if not store.cacheable:
        return _read(key_id)
    generation = store.generation()
    if _cache["generation"] != generation:
        _cache.update(generation=generation, keys={})
    entry = _cache["keys"].get(key_id)
    if entry is None or time.monotonic() - entry.read_at > MAX_AGE:
        entry = _read(key_id)
        if entry is None:
            _cache["keys"].pop(key_id, None)
        else:
            _cache["keys"][key_id] = entry
    return entry


def mark_seen(entry: PeerKey) -> None:
    """Record that the node was heard from (one write a minute per process at most)."""
    now = timezone.now()
    if entry.last_seen is None or now - entry.last_seen > LAST_SEEN_STEP:
        Node.objects.filter(pk=entry.node_id).update(last_seen=now)
        entry.last_seen = now


def _bump_after_commit() -> None:
    try:
        replay.get_store().bump()
    except Exception:  # the change is committed; entries still expire after MAX_AGE
        log.exception("federation: could not advance the peer-trust generation")


def changed() -> None:
    """A peer node's status or keys changed: every process must read them again."""
    replay.get_store().bump()  # now (this transaction's own later reads) ...
    transaction.on_commit(_bump_after_commit)  # ... and once others can see the change


def _on_change(sender, **kwargs) -> None:
    changed()


def connect() -> None:
    """Saving or deleting a node or a key advances the generation (called from apps.ready)."""
    for model in (Node, NodeKey):
        uid = f"federation.trust.{model.__name__}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + ".delete")


def forget() -> None:
    """Drop this process's cached keys (tests, and after the store changed)."""
    _cache.update(generation=None, keys={})
