"""JSON API of the portal: a site's shelves, curation, and the reader's own data.

Thin handlers: parse, call a service, serialize. Reader endpoints act on the logged-in reader
(session + CSRF, or a bearer token); curation endpoints check the curator in the services.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from shuxiang.core.api import AUTH, ErrorOut, actor_of
from shuxiang.network.models import Library
from shuxiang.portal import queries, reading, services
from shuxiang.portal.models import Bookmark, Entry, ReadingPosition, ShelfItem
from shuxiang.portal.schemas import (
    BookmarkIn,
    BookmarkOut,
    EntryIn,
    EntryOut,
    ItemIn,
    LikesOut,
    OrderIn,
    PositionIn,
    PositionOut,
    PreferencesIn,
    PreferencesOut,
    ShelfIn,
    ShelfItemIn,
    ShelfItemOut,
    ShelfOut,
    SiteOut,
)
from shuxiang.portal.sites import SERVED, branding_of

router = Router(tags=["portal"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _library(code: str) -> Library:
    return get_object_or_404(Library, code=code.upper(), status__in=SERVED)


def _data(payload) -> dict:
    return payload.model_dump(exclude_unset=True)


@router.get("/sites/{code}", response={200: SiteOut, 404: ErrorOut}, summary="A branch site")
def get_site(request, code: str):
    library = _library(code)
    return {
        "code": library.code,
        "branding": branding_of(library),
        "columns": queries.site_columns(library),
        "topics": queries.site_topics(library),
    }


def _shelf(kind: str, pk: int):
    return get_object_or_404(services.shelf_model(kind).objects.select_related("library"), pk=pk)


def _register_shelf_routes(kind: str) -> None:
    """Routes for columns or topics, with literal paths (``/columns/…``, ``/topics/…``) so they
    never shadow another app's ``/<things>/{id}``."""
    plural, out = f"{kind}s", {201: ShelfOut, **ERRORS}

    @router.post(
        f"/sites/{{code}}/{plural}", response=out, auth=AUTH, operation_id=f"create_{kind}"
    )
    def create(request, code: str, payload: ShelfIn):
        shelf = services.create_shelf(_library(code), kind, _data(payload), by=actor_of(request))
        return Status(201, shelf)

    @router.put(
        f"/sites/{{code}}/{plural}/order",
        response={204: None, **ERRORS},
        auth=AUTH,
        operation_id=f"order_{plural}",
    )
    def order(request, code: str, payload: OrderIn):
        services.reorder_shelves(_library(code), kind, payload.ids, by=actor_of(request))
        return Status(204, None)

    @router.patch(
        f"/{plural}/{{pk}}",
        response={200: ShelfOut, **ERRORS},
        auth=AUTH,
        operation_id=f"update_{kind}",
    )
    def update(request, pk: int, payload: ShelfIn):
        return services.update_shelf(_shelf(kind, pk), _data(payload), by=actor_of(request))

    @router.delete(
        f"/{plural}/{{pk}}",
        response={204: None, **ERRORS},
        auth=AUTH,
        operation_id=f"delete_{kind}",
    )
    def delete(request, pk: int):
        services.delete_shelf(_shelf(kind, pk), by=actor_of(request))
        return Status(204, None)

    _register_entry_routes(kind)


def _register_entry_routes(kind: str) -> None:
    plural = f"{kind}s"

    @router.post(
        f"/{plural}/{{pk}}/entries",
        response={201: EntryOut, **ERRORS},
        auth=AUTH,
        operation_id=f"add_{kind}_entry",
    )
    def add_entry(request, pk: int, payload: EntryIn):
        entry = services.add_entry(_shelf(kind, pk), _data(payload), by=actor_of(request))
        return Status(201, entry)

    @router.put(
        f"/{plural}/{{pk}}/entries/order",
        response={204: None, **ERRORS},
        auth=AUTH,
        operation_id=f"order_{kind}_entries",
    )
    def order_entries(request, pk: int, payload: OrderIn):
        services.reorder_entries(_shelf(kind, pk), payload.ids, by=actor_of(request))
        return Status(204, None)


for _kind in services.KINDS:
    _register_shelf_routes(_kind)


def _entry(pk: int) -> Entry:
    return get_object_or_404(Entry.objects.select_related("column", "topic"), pk=pk)


@router.patch("/entries/{pk}", response={200: EntryOut, **ERRORS}, auth=AUTH)
def update_entry(request, pk: int, payload: EntryIn):
    return services.update_entry(_entry(pk), _data(payload), by=actor_of(request))


@router.delete("/entries/{pk}", response={204: None, **ERRORS}, auth=AUTH)
def delete_entry(request, pk: int):
    services.delete_entry(_entry(pk), by=actor_of(request))
    return Status(204, None)


@router.get("/me/preferences", response={200: PreferencesOut, **ERRORS}, auth=AUTH)
def get_preferences(request):
    return reading.preferences_of(actor_of(request))


@router.patch("/me/preferences", response={200: PreferencesOut, **ERRORS}, auth=AUTH)
def patch_preferences(request, payload: PreferencesIn):
    return reading.set_preferences(_data(payload), by=actor_of(request))


@router.get("/me/positions", response={200: list[PositionOut], **ERRORS}, auth=AUTH)
def list_positions(request, item_key: str | None = None):
    """The reader's positions, newest first (one item's, with ``item_key``; maybe none)."""
    found = ReadingPosition.objects.filter(user=actor_of(request))
    return found.filter(item_key=item_key) if item_key else found[:100]


@router.put("/me/positions", response={200: PositionOut, **ERRORS}, auth=AUTH)
def put_position(request, payload: PositionIn):
    return reading.save_position(payload.item_key, payload.locator, by=actor_of(request))


@router.get("/me/shelf", response=list[ShelfItemOut], auth=AUTH)
def list_shelf(request):
    return ShelfItem.objects.filter(user=actor_of(request))


@router.post("/me/shelf", response={201: ShelfItemOut, **ERRORS}, auth=AUTH)
def shelve(request, payload: ShelfItemIn):
    item = reading.add_to_shelf(payload.item_key, payload.title, payload.url, by=actor_of(request))
    return Status(201, item)


@router.delete("/me/shelf", response={204: None, **ERRORS}, auth=AUTH)
def unshelve(request, item_key: str):
    reading.remove_from_shelf(item_key, by=actor_of(request))
    return Status(204, None)


@router.get("/me/bookmarks", response=list[BookmarkOut], auth=AUTH)
def list_bookmarks(request, item_key: str | None = None):
    found = Bookmark.objects.filter(user=actor_of(request))
    return found.filter(item_key=item_key) if item_key else found


@router.post("/me/bookmarks", response={201: BookmarkOut, **ERRORS}, auth=AUTH)
def add_bookmark(request, payload: BookmarkIn):
    mark = reading.add_bookmark(
        payload.item_key, payload.locator, payload.label, by=actor_of(request)
    )
    return Status(201, mark)


@router.delete("/me/bookmarks/{pk}", response={204: None, **ERRORS}, auth=AUTH)
def delete_bookmark(request, pk: int):
    reading.delete_bookmark(pk, by=actor_of(request))
    return Status(204, None)


@router.get("/likes", response=LikesOut, summary="How many readers like an item")
def likes(request, item_key: str):
    actor = actor_of(request)
    mine = getattr(actor, "is_authenticated", False) and (
        reading.Like.objects.filter(user=actor, item_key=item_key).exists()
    )
    return {"item_key": item_key, "count": reading.like_count(item_key), "liked": bool(mine)}


@router.put("/me/likes", response={200: LikesOut, **ERRORS}, auth=AUTH)
def put_like(request, payload: ItemIn):
    reading.like(payload.item_key, by=actor_of(request))
    return {
        "item_key": payload.item_key,
        "count": reading.like_count(payload.item_key),
        "liked": True,
    }


@router.delete("/me/likes", response={200: LikesOut, **ERRORS}, auth=AUTH)
def delete_like(request, item_key: str):
    reading.unlike(item_key, by=actor_of(request))
    return {"item_key": item_key, "count": reading.like_count(item_key), "liked": False}
