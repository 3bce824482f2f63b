"""The child side of federation: send the join request, learn the decision, announce keys."""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.actors import SYSTEM, Actor, actor_label
from shuxiang.core.errors import Conflict, ServiceError, ValidationFailed
from shuxiang.core.models import AuditEvent
from shuxiang.federation import keys, permissions, validation
from shuxiang.federation.models import Node, NodeKey
from shuxiang.federation.signing import NodeAuth, peer_session
from shuxiang.network.models import Library

PEER = "/federation/peer/"


def hosted_libraries(codes: list[str] | None = None) -> list[dict[str, str]]:
    """This node's libraries (or the subtrees below ``codes``), parents first."""
    rows = Library.objects.filter(node="local").order_by("path")
    if codes:
        wanted = {c.strip().upper() for c in codes}
        rows = [lib for lib in rows if wanted & set(lib.path.strip("/").split("/"))]
    return [
        {"code": lib.code, "name": lib.name, "name_en": lib.name_en, "level": lib.level,
         "parent_code": lib.parent.code if lib.parent_id else ""}
        for lib in rows
    ]  # fmt: skip


def _answer(response: requests.Response, field: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400:
        detail = body.get("detail") if isinstance(body, dict) else None
        reason = _("The node answered %(status)s: %(detail)s") % {
            "status": response.status_code, "detail": detail or response.text[:300]}  # fmt: skip
        raise ServiceError(reason, [validation.FieldError(field, reason, "peer_refused")])
    if not isinstance(body, dict) or "status" not in body:
        raise ValidationFailed.single(field, _("The node's answer is not a join answer."))
    return body


def _call(method: str, url: str, field: str, **kwargs) -> dict[str, Any]:
    try:
        response = peer_session().request(method, url, **kwargs)
    except requests.RequestException as exc:
        reason = _("Cannot reach %(url)s: %(error)s") % {"url": url, "error": exc}
        raise ServiceError(reason, [validation.FieldError(field, reason, "unreachable")]) from exc
    return _answer(response, field)


def request_join(parent_url: str, *, by: Actor, name: str = "", codes=None) -> Node:
    """Send this node's join request to ``parent_url``; store the parent as pending."""
    permissions.require_manage(by)
    parent_url = validation.base_url(parent_url, "parent_url")
    other = Node.objects.filter(relation=Node.Relation.PARENT).exclude(base_url=parent_url)
    if other.exclude(status__in=[Node.Status.REFUSED, Node.Status.REVOKED]).exists():
        raise Conflict.single("parent_url", _("This node already has a parent."), "has_parent")
    own = keys.own_key()
    payload = {
        "name": name or settings.NODE_NAME,
        "base_url": settings.BASE_URL,
        "key_id": own.key_id,
        "public_key": own.public_key_b64,
        "libraries": hosted_libraries(codes),
    }
    answer = _call("POST", parent_url + PEER + "join", "parent_url", json=payload)
    return store_parent_answer(parent_url, answer, by=by)


@transaction.atomic
def store_parent_answer(parent_url: str, answer: dict, *, by: Actor) -> Node:
    """Record the parent's status and keys as it reported them."""
    status = answer.get("status")
    if status not in Node.Status.values:
        raise ValidationFailed.single("status", _("Unknown status in the parent's answer."))
    node, _created = Node.objects.select_for_update().get_or_create(
        base_url=parent_url, defaults={"relation": Node.Relation.PARENT, "name": parent_url}
    )
    node.name = str(answer.get("name") or node.name)[:100]
    node.status, node.reason = status, str(answer.get("reason") or "")[:2000]
    node.approved_at = parse_datetime(answer.get("approved_at") or "") or (
        timezone.now() if status == Node.Status.APPROVED else None
    )
    node.last_seen = timezone.now()
    node.save()
    for item in answer.get("keys") or []:
        errors: list = []
        key_id, public = validation.public_key(item if isinstance(item, dict) else {}, errors)
        if not errors:
            NodeKey.objects.get_or_create(
                key_id=key_id, defaults={"node": node, "public_key": public}
            )
    audit.record(by, "federation.parent_status", node, status=status)
    if status == Node.Status.APPROVED:
        from shuxiang.federation import relay

        relay.defer()  # the parent learns the libraries of the children that joined here
    return node


def refresh_parent(*, by: Actor) -> Node:
    """Ask the parent for this node's status (a signed GET of the join endpoint)."""
    permissions.require_manage(by)
    node = Node.objects.filter(relation=Node.Relation.PARENT).order_by("-created").first()
    if node is None:
        raise Conflict.single("parent", _("This node has not asked to join a parent."), "no_parent")
    answer = _call("GET", node.base_url + PEER + "join", "parent")
    return store_parent_answer(node.base_url, answer, by=by)


def rotate_keys(*, by: Actor) -> tuple[keys.OwnKey, dict[str, str]]:
    """Make a new own key and announce it to every approved peer, signed with the old key."""
    permissions.require_manage(by)
    old = keys.own_key()
    new = keys.rotate_own_key()
    results: dict[str, str] = {}
    body = {"key_id": new.key_id, "public_key": new.public_key_b64}
    for node in Node.objects.filter(status=Node.Status.APPROVED):
        session = peer_session(node)
        session.auth = NodeAuth(old)
        try:
            response = session.post(node.base_url + PEER + "keys", json=body)
            results[node.base_url] = "ok" if response.ok else f"error {response.status_code}"
        except requests.RequestException as exc:
            results[node.base_url] = f"error: {exc}"
    AuditEvent.objects.create(
        actor=by if getattr(by, "pk", None) else None, actor_label=actor_label(by),
        action="federation.rotate_key", target_type="federation.ownkey", target_id=new.key_id,
        data={"old": old.key_id, "announced": results},
    )  # fmt: skip
    return new, results


def notify_decision(job) -> None:
    """Job handler: tell a child node the decision on it (signed POST of the join answer)."""
    from shuxiang.federation.services import join_answer

    node = Node.objects.get(pk=job.payload["node"])
    response = peer_session(node).post(node.base_url + PEER + "decision", json=join_answer(node))
    if response.status_code >= 500 or response.status_code == 401 and node.is_approved:
        response.raise_for_status()  # retried by the job runner


def receive_decision(node: Node, answer: dict) -> Node:
    """The parent told us its decision on this node (a signed POST from it)."""
    if node.relation != Node.Relation.PARENT:
        raise Conflict.single("node", _("Only this node's parent sends decisions."), "not_parent")
    return store_parent_answer(node.base_url, answer, by=SYSTEM)
