"""API shapes of digital resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema

from shuxiang.resources.models import Resource


class CollectionOut(Schema):
    id: int
    library: str
    code: str
    name: str
    kind: str

    @staticmethod
    def resolve_library(obj) -> str:
        return obj.library.code


class CollectionIn(Schema):
    library: str
    code: str
    name: str
    kind: str = "independent"
    description: str = ""


class FileOut(Schema):
    id: int
    role: str
    order: int
    filename: str
    content_type: str
    size: int
    sha256: str
    label: str
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/resources/{obj.resource_id}/files/{obj.pk}"


class JobOut(Schema):
    kind: str
    state: str
    attempts: int
    error: str


class ResourceOut(Schema):
    id: int
    library: str
    collection: int
    type: str
    subtype: str
    title: str
    titles: dict[str, str]
    creator: str
    contributor: str
    publisher: str
    date: str
    description: str
    subjects: list[str]
    language: str
    rights: str
    licence: str
    access: str
    extra: dict[str, Any]
    status: str
    identifier: str
    fingerprint: str
    created_at: datetime
    published_at: datetime | None
    page_url: str

    @staticmethod
    def resolve_library(obj: Resource) -> str:
        return obj.library.code

    @staticmethod
    def resolve_collection(obj: Resource) -> int:
        return obj.collection_id

    @staticmethod
    def resolve_page_url(obj: Resource) -> str:
        return obj.get_absolute_url()


class ResourceDetail(ResourceOut):
    files: list[FileOut]
    jobs: list[JobOut]

    @staticmethod
    def resolve_files(obj: Resource) -> list:
        return list(obj.files.all())

    @staticmethod
    def resolve_jobs(obj: Resource) -> list:
        return list(obj.jobs.all())


class CollectionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[CollectionOut]


class ResourcePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ResourceOut]


class ResourceIn(Schema):
    """Metadata fields; unknown or invalid ones come back as field errors."""

    collection: int | None = None
    type: str | None = None
    subtype: str | None = None
    title: str | None = None
    titles: dict[str, str] | None = None
    creator: str | None = None
    contributor: str | None = None
    publisher: str | None = None
    date: str | None = None
    description: str | None = None
    subjects: list[str] | None = None
    language: str | None = None
    rights: str | None = None
    licence: str | None = None
    access: str | None = None
    extra: dict[str, Any] | None = None


class ReasonIn(Schema):
    reason: str


class LibrariesIn(Schema):
    libraries: list[str]


class LinkOut(Schema):
    url: str
    expires_in: int


class ImportRowOut(Schema):
    number: int
    outcome: str
    resource: int | None
    errors: list[dict[str, Any]]

    @staticmethod
    def resolve_resource(obj) -> int | None:
        return obj.resource_id


class ImportOut(Schema):
    id: int
    manifest: str
    total_rows: int
    finished: bool
    counts: dict[str, int]
    failed: list[ImportRowOut]


class UploadOut(Schema):
    id: str
    length: int
    offset: int
    complete: bool
    resource: int | None
    error: str

    @staticmethod
    def resolve_id(obj) -> str:
        return str(obj.pk)

    @staticmethod
    def resolve_resource(obj) -> int | None:
        return obj.resource_id
