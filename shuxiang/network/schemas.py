"""API shapes of the library network."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from shuxiang.network.models import Admission, Library


class IPRangeOut(Schema):
    cidr: str
    label: str


class LibraryOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    is_sub_provincial: bool
    is_childrens: bool
    parent: str | None
    depth: int
    division: str | None
    division_name: str | None
    address: str
    contact_email: str
    contact_phone: str
    site_path: str
    branding: dict
    status: str
    node: str
    ip_ranges: list[IPRangeOut]
    domains: list[str]

    @staticmethod
    def resolve_parent(obj: Library) -> str | None:
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_division(obj: Library) -> str | None:
        return obj.division_id

    @staticmethod
    def resolve_division_name(obj: Library) -> str | None:
        return obj.division.name if obj.division_id else None

    @staticmethod
    def resolve_domains(obj: Library) -> list[str]:
        return [d.host for d in obj.domains.all()]

    @staticmethod
    def resolve_ip_ranges(obj: Library) -> list[dict]:
        return [{"cidr": r.cidr, "label": r.label} for r in obj.ip_ranges.all()]


class LibraryPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[LibraryOut]


class IPRangeIn(Schema):
    cidr: str
    label: str = ""


class LibraryChange(Schema):
    """Fields to change; omitted fields stay as they are. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    name_en: str | None = None
    level: str | None = None
    is_sub_provincial: bool | None = None
    is_childrens: bool | None = None
    parent: str | None = Field(None, description="Code of the parent library.")
    division: str | None = Field(None, description="GB/T 2260 six-digit division code.")
    address: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    site_path: str | None = None
    branding: dict | None = None
    node: str | None = None
    ip_ranges: list[str | IPRangeIn] | None = Field(None, description="CIDR blocks.")
    domains: list[str] | None = None


class LibraryCreate(LibraryChange):
    code: str = Field(..., description="Unique code: 2–32 upper-case letters, digits, hyphens.")
    name: str
    level: str


class StatusIn(Schema):
    status: str


class RejectIn(Schema):
    reason: str


class AdmissionOut(Schema):
    library: LibraryOut
    outcome: str
    applied_by: str | None
    applied_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str

    @staticmethod
    def resolve_applied_by(obj: Admission) -> str | None:
        return obj.applied_by.username if obj.applied_by_id else None

    @staticmethod
    def resolve_decided_by(obj: Admission) -> str | None:
        return obj.decided_by.username if obj.decided_by_id else None


class AdmissionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AdmissionOut]


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    revision: str
    is_current: bool
