"""The network resolver's reach below this node (全网解析): names held by child nodes.

Reported identifiers are in this node's resolve table, so ``/id/<name>`` (and its fast path)
answers them like its own. A name under a delegated prefix that has not been reported yet (the
report is still queued at the child, or the child was offline) is asked of the child that holds
the prefix, over the signed channel; the answer — found, withdrawn or unknown — is kept in
``RemoteIdentifier`` for ``SHUXIANG_PID_CACHE_SECONDS`` (a table, so every worker process and
both database modes share it). A report of the name replaces the cached answer at once (the
report wins over any cached lookup), which is how reports invalidate the cache.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from shuxiang.core import options
from shuxiang.federation import delegation, pid_reports
from shuxiang.federation.models import Node, RemoteIdentifier

log = logging.getLogger("shuxiang.federation")
LOOKUP_PATH = "/federation/peer/identifiers/lookup"
ABSENT = "absent"


def lookup(name: str) -> tuple | None:
    """Remote lookup hook: the resolve row of a name a child node holds, else None."""
    sub = delegation.subprefix_of(name)
    held = delegation.covering(sub, delegation.GRANTED) if sub else None
    if held is None or held.node.status != Node.Status.APPROVED:
        return None
    cached = RemoteIdentifier.objects.filter(name=name).first()
    if cached is not None and (cached.reported_at or cached.expires > timezone.now()):
        return _row(cached)
    item = ask(held.node, name)
    if item is False:  # the child could not be asked: a stale answer beats none
        return _row(cached) if cached is not None else None
    return _row(_remember(held.node, name, item))


def ask(node: Node, name: str) -> dict | None | bool:
    """The child's state of ``name``; None when it does not know it; False when unreachable."""
    from shuxiang.federation.signing import peer_session

    try:
        response = peer_session(node).get(
            node.base_url + LOOKUP_PATH,
            params={"name": name},
            timeout=options.value("PID_CHECK_TIMEOUT"),
        )
    except Exception as exc:  # network failure of any kind: the resolver still answers
        log.warning("could not ask %s for %s: %s", node.base_url, name, exc)
        return False
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        log.warning("%s answered %s for %s", node.base_url, response.status_code, name)
        return False
    try:
        item = pid_reports.clean_item(0, response.json())
    except Exception as exc:  # a malformed answer is not cached
        log.warning("%s answered an unusable record for %s: %s", node.base_url, name, exc)
        return False
    return item if item["name"] == name else False


def _remember(node: Node, name: str, item: dict | None) -> RemoteIdentifier:
    """Cache a lookup answer, unless a report of the name arrived meanwhile."""
    expires = timezone.now() + timedelta(seconds=options.value("PID_CACHE_SECONDS"))
    values = {
        "node": node,
        "status": item["status"] if item else ABSENT,
        "location": item["location"] if item else "",
        "version": item["version"] if item else 0,
        "etag": item["etag"] if item else "",
        "record": item["record"] if item else "",
        "expires": expires,
    }
    updated = RemoteIdentifier.objects.filter(name=name, reported_at__isnull=True).update(**values)
    if not updated:
        try:
            with transaction.atomic():
                RemoteIdentifier.objects.create(name=name, **values)
        except IntegrityError:
            pass  # a report (or another worker) stored it first; theirs stands
    return RemoteIdentifier.objects.get(name=name)


def _row(remote: RemoteIdentifier) -> tuple | None:
    if remote.status not in pid_reports.PUBLIC:
        return None
    return (remote.status, remote.location, remote.etag, remote.record)


def state_for_parent(name: str) -> dict | None:
    """What this node answers its parent's lookup of ``name`` (own, reported or asked below)."""
    from shuxiang.identifiers import names

    name = names.normalise(name)
    state = pid_reports.state_of(name)
    if state is None and lookup(name) is not None:
        remote = RemoteIdentifier.objects.get(name=name)
        state = {
            "name": name,
            "version": remote.version,
            "status": remote.status,
            "location": remote.location,
            "etag": remote.etag,
            "record": remote.record,
        }
    return state
