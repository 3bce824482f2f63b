"""API shapes of resource packages (names unique across apps)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema

from shuxiang.core.api import Page


class PackageIn(Schema):
    library: str | None = None
    code: str | None = None
    title: str | None = None
    description: str | None = None
    rule: dict[str, Any] | None = None
    notes: dict[str, str] | None = None


class PackageOut(Schema):
    id: int
    library: str
    code: str
    title: str
    description: str
    rule: dict[str, Any]
    notes: dict[str, str]

    @staticmethod
    def resolve_library(obj) -> str:
        return obj.library.code


class PackagePage(Page):
    results: list[PackageOut]


class ConfigRowOut(Schema):
    number: int
    category: str
    type: str
    type_label: str
    count: int
    size: int
    description: str


class PackagePreviewOut(Schema):
    resources: int
    total_bytes: int
    config: list[ConfigRowOut]


class PackageVersionOut(Schema):
    id: int
    number: int
    delta_from: int | None
    state: str
    built_at: datetime | None
    payload_bytes: int
    file_count: int
    oxum: str
    tagmanifest_sha256: str
    key_id: str
    error: str
    config: list[ConfigRowOut]

    @staticmethod
    def resolve_delta_from(obj) -> int | None:
        return obj.base_version.number if obj.base_version_id else None

    @staticmethod
    def resolve_config(obj) -> list:
        return list(obj.config.all())


class PackageBuildIn(Schema):
    delta_from: int | None = None


class PackageBagIn(Schema):
    path: str
    library: str | None = None


class PackageExportOut(Schema):
    path: str


class BagReportOut(Schema):
    external_id: str
    version: int
    delta_from: int | None
    files: int
    payload_bytes: int
    key_id: str


class PackageImportOut(Schema):
    external_id: str
    version: int
    already: bool
    created: int
    updated: int
    removed: int


class ImportedPackageOut(Schema):
    library: str
    external_id: str
    source: str
    code: str
    title: str
    version: int
    collection: int
    updated_at: datetime

    @staticmethod
    def resolve_library(obj) -> str:
        return obj.library.code

    @staticmethod
    def resolve_collection(obj) -> int:
        return obj.collection_id
