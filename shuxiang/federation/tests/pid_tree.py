"""Helpers of the identifiers-along-the-tree tests: peer nodes and reported items."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import timezone

from shuxiang.federation.models import Node
from shuxiang.identifiers import records
from shuxiang.resources.tests.nodes import free_port


def node(name: str, relation: str, status: str = "approved") -> Node:
    return Node.objects.create(
        name=name, base_url=f"http://127.0.0.1:{free_port()}", relation=relation, status=status
    )


def item(name: str, version: int = 1, status: str = "active", **extra) -> dict:
    """A reported item built as the owning node builds it (its stored record and ETag)."""
    now = timezone.now()
    view = SimpleNamespace(
        status=status,
        updated_at=now,
        locations=[{"url": f"https://zj.example.org/{name}/v{version}"}],
        metadata={"title": "越绝书", "creator": "袁康"},
        resource_type="text",
        rights="公有领域",
        fingerprint="",
        decision_reason="与馆藏重复" if status == "withdrawn" else "",
    )
    body, etag = records.body_and_etag(view, "330100")
    return {
        "name": name,
        "version": version,
        "status": status,
        "location": f"https://zj.example.org/{name}/v{version}",
        "etag": etag,
        "record": body,
        **extra,
    }
