"""API shapes of the identifier system."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

from shuxiang.identifiers.models import Identifier


class IdentifierOut(Schema):
    name: str
    library: str
    status: str
    resource_type: str
    location: str
    mirrors: list[dict]
    metadata: dict
    rights: str
    fingerprint: str | None
    similar_to: str | None
    decision_reason: str
    created_at: datetime
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_library(obj: Identifier) -> str:
        return obj.library.code

    @staticmethod
    def resolve_similar_to(obj: Identifier) -> str | None:
        return obj.similar_to.name if obj.similar_to_id else None


class IdentifierPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[IdentifierOut]


class RegisterIn(Schema):
    library: str
    location: str
    metadata: dict
    rights: str
    fingerprint: str | None = None
    suffix: str | None = None
    resource_type: str = ""


class ApplyIn(RegisterIn):
    self_built: bool = False
    own_copyright: bool = False


class ChangeIn(Schema):
    location: str
    metadata: dict | None = None


class MirrorIn(Schema):
    url: str
    node: str = ""


class MirrorsIn(Schema):
    mirrors: list[MirrorIn]


class IdentifierReasonIn(Schema):
    reason: str = ""


class TransferIn(Schema):
    to: str


class PrefixIn(Schema):
    prefix: str


class PrefixOut(Schema):
    library: str
    prefix: str
    full: str


class MintIn(Schema):
    library: str
    count: int = 1


class EventOut(Schema):
    at: datetime
    actor: str
    action: str
    changes: dict


class FailureOut(Schema):
    row: int
    field: str
    reason: str
    code: str


class IdentifierImportOut(Schema):
    created: int
    existing: int
    flagged: int
    failed: int
    failures: list[FailureOut]
