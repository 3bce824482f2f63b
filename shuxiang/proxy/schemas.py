"""Request and response shapes of the proxy API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

MAX_ID = 2**31 - 1
Pattern = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class VendorOut(Schema):
    id: int
    library: str = Field(alias="library.code")
    title: str
    description: str
    url: str
    hosts: list[str]
    domains: list[str]
    never_proxy: list[str]
    find_replace: list[list[str]]
    mime_filters: list[str]
    options: list[str]
    egress_address: str | None
    pdf_limit_per_hour: int | None
    search_patterns: list[str]
    item_patterns: list[str]
    handoff_url: str
    handoff_configured: bool
    enabled: bool
    updated: datetime

    @staticmethod
    def resolve_handoff_configured(obj) -> bool:
        return bool(obj.handoff_url and obj.handoff_secret)


class VendorIn(Schema):
    """Only the fields given change; ``null`` clears a field."""

    description: str | None = Field(None, max_length=5000)
    egress_address: str | None = Field(None, max_length=45)
    pdf_limit_per_hour: int | None = Field(None, ge=1, le=100_000)
    enabled: bool | None = None
    search_patterns: list[Pattern] | None = Field(None, max_length=50)
    item_patterns: list[Pattern] | None = Field(None, max_length=50)
    handoff_url: str | None = Field(None, max_length=2000)
    handoff_secret: str | None = Field(None, max_length=200)


class ImportIn(Schema):
    library: str = Field(..., min_length=1, max_length=32, description="Library code.")
    stanzas: str = Field(..., max_length=1_000_000, description="EZproxy stanza text.")


class NoticeOut(Schema):
    line: int
    directive: str
    reason: str


class StanzaImportOut(Schema):
    created: list[str]
    updated: list[str]
    notices: list[NoticeOut]


class PauseOut(Schema):
    id: int
    reader: str = Field(alias="user.username")
    vendor: int = Field(alias="vendor_id")
    vendor_title: str = Field(alias="vendor.title")
    reason: str
    evidence: dict
    created: datetime
    lifted_at: datetime | None


class UsageOut(Schema):
    vendor: int
    vendor_title: str
    kind: str
    hour: datetime
    readers: int
    count: int
    bytes: int


class OidcClientIn(Schema):
    redirect_uris: list[Annotated[str, StringConstraints(min_length=1, max_length=2000)]] = Field(
        ..., min_length=1, max_length=10, description="The vendor's redirect URIs (https)."
    )


class OidcClientOut(Schema):
    client_id: str
    client_secret: str = Field(..., description="Shown once: give it to the vendor.")
    issuer: str
    subject_type: str = Field("pairwise", description="One pseudonym per reader and vendor.")
