"""Schemas of the federation API (names unique across apps)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class FederationNodeOut(Schema):
    id: int
    name: str
    base_url: str
    relation: str
    status: str
    reason: str
    created: datetime
    approved_at: datetime | None
    last_seen: datetime | None
    last_sync: datetime | None
    last_error: str
    keys: list[str]
    libraries: list[str]

    @staticmethod
    def resolve_keys(node) -> list[str]:
        return [k.key_id for k in node.keys.all() if k.is_active()]

    @staticmethod
    def resolve_libraries(node) -> list[str]:
        return list(node.hosted.values_list("library__code", flat=True))


class FederationNodePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[FederationNodeOut]


class FederationNodeFilter(Schema):
    relation: str = ""
    status: str = ""
    page: int = 1
    page_size: int = 50


class FederationReasonIn(Schema):
    reason: str


class FederationJoinIn(Schema):
    parent_url: str
    name: str = ""
    libraries: list[str] = []


class FederationSyncIn(Schema):
    steps: list[str] = []


class FederationSyncOut(Schema):
    job: int
    node: int


class FederationKeyOut(Schema):
    key_id: str
    public_key: str
    retires: datetime | None


class FederationKeysOut(Schema):
    keys: list[FederationKeyOut]
    announced: dict[str, str] = {}
