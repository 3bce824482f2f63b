"""Request and response shapes of the portal API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class ShelfIn(Schema):
    title: str | None = None
    summary: str | None = None
    distributed: bool | None = None
    publish_from: datetime | None = None
    publish_until: datetime | None = None
    embed: str | None = None


class EntryIn(Schema):
    title: str | None = None
    url: str | None = None
    reference: str | None = None
    note: str | None = None
    publish_from: datetime | None = None
    publish_until: datetime | None = None


class EntryOut(Schema):
    id: int
    title: str
    url: str
    reference: str
    note: str
    position: int
    publish_from: datetime | None
    publish_until: datetime | None


class ShelfOut(Schema):
    id: int
    library: str
    title: str
    summary: str
    distributed: bool
    embed: str
    position: int
    publish_from: datetime | None
    publish_until: datetime | None

    @staticmethod
    def resolve_library(obj) -> str:
        return obj.library.code


class LiveShelfOut(ShelfOut):
    entries: list[EntryOut]

    @staticmethod
    def resolve_entries(obj) -> list:
        return getattr(obj, "live_entries", [])


class SiteOut(Schema):
    code: str
    branding: dict[str, str]
    columns: list[LiveShelfOut]
    topics: list[LiveShelfOut]


class OrderIn(Schema):
    ids: list[int]


class PreferencesIn(Schema):
    font_size: Any = None
    theme: Any = None
    line_spacing: Any = None


class PreferencesOut(Schema):
    font_size: int
    theme: str
    line_spacing: float


class ItemIn(Schema):
    item_key: str


class PositionIn(ItemIn):
    locator: Any


class PositionOut(Schema):
    item_key: str
    locator: dict[str, Any]
    updated_at: datetime


class ShelfItemIn(ItemIn):
    title: str
    url: str


class ShelfItemOut(Schema):
    item_key: str
    title: str
    url: str
    added_at: datetime


class BookmarkIn(ItemIn):
    locator: Any
    label: str = ""


class BookmarkOut(Schema):
    id: int
    item_key: str
    locator: dict[str, Any]
    label: str
    created_at: datetime


class LikesOut(Schema):
    item_key: str
    count: int
    liked: bool
