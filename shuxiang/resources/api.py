"""JSON API of digital resources: thin handlers that parse, call services, serialize."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shuxiang.core.api import AUTH, ErrorOut, Paging, actor_of, paginate
from shuxiang.core.errors import NotFound, PermissionDenied, ValidationFailed
from shuxiang.core.http import client_ip
from shuxiang.network.models import Library
from shuxiang.resources import delivery, distribution, permissions, services, usage
from shuxiang.resources.models import Collection, ImportBatch, ImportRow, Resource, Upload
from shuxiang.resources.schemas import (
    CollectionIn,
    CollectionOut,
    CollectionPage,
    ImportOut,
    LibrariesIn,
    LinkOut,
    ReasonIn,
    ResourceDetail,
    ResourceIn,
    ResourcePage,
    UploadOut,
)

router = Router(tags=["resources"])
FILES = File(...)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ResourceFilter(Paging):
    type: str | None = None
    library: str | None = None
    status: str | None = None
    q: str | None = None


def visible_resources(actor) -> QuerySet[Resource]:
    """Published resources for everyone, plus every state of the actor's own libraries."""
    return Resource.objects.filter(
        Q(status=Resource.Status.PUBLISHED) | permissions.staff_filter(actor)
    ).select_related("library")


def _resource(request, pk: int) -> Resource:
    return get_object_or_404(visible_resources(actor_of(request)), pk=pk)


def _filtered(queryset: QuerySet, filters: ResourceFilter) -> QuerySet:
    if filters.type:
        queryset = queryset.filter(type=filters.type)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.library:
        code = filters.library.upper()
        queryset = queryset.filter(
            Q(library__code=code) | Q(distributions__library__code=code)
        ).distinct()
    if filters.q:
        queryset = queryset.filter(Q(title__icontains=filters.q) | Q(creator__icontains=filters.q))
    return queryset


@router.get("/resources", response=ResourcePage, summary="Published resources (and your own)")
def list_resources(request, filters: Query[ResourceFilter]):
    queryset = _filtered(visible_resources(actor_of(request)), filters)
    return paginate(queryset, filters.page, filters.page_size)


@router.get("/resources/{pk}", response={200: ResourceDetail, 404: ErrorOut})
def get_resource(request, pk: int):
    return _resource(request, pk)


def _payload(schema: Schema) -> dict:
    return {k: v for k, v in schema.dict(exclude_unset=True).items() if k != "collection"}


@router.post("/resources", response={201: ResourceDetail, **ERRORS}, auth=AUTH)
def create_resource(request, payload: ResourceIn):
    """A draft resource (metadata only); add files with POST .../files or a tus upload."""
    collection = Collection.objects.select_related("library").filter(pk=payload.collection)
    if payload.collection is None or not collection.exists():
        raise ValidationFailed.single("collection", "Name one of your collections.", "required")
    resource = services.create_resource(_payload(payload), collection=collection.get(),
                                        by=request.auth)  # fmt: skip
    return Status(201, resource)


@router.patch("/resources/{pk}", response={200: ResourceDetail, **ERRORS}, auth=AUTH)
def update_resource(request, pk: int, payload: ResourceIn):
    return services.update_resource(_resource(request, pk), _payload(payload), by=request.auth)


@router.post("/resources/{pk}/files", response={200: ResourceDetail, **ERRORS}, auth=AUTH)
def add_files(request, pk: int, files: list[UploadedFile] = FILES):
    uploads = [services.Upload(f.name, f, f.content_type or "") for f in files]
    return services.add_files(_resource(request, pk), uploads, by=request.auth)


@router.post("/resources/{pk}/submit", response={200: ResourceDetail, **ERRORS}, auth=AUTH)
def submit(request, pk: int):
    return services.submit(_resource(request, pk), by=request.auth)


@router.post("/resources/{pk}/publish", response={200: ResourceDetail, **ERRORS}, auth=AUTH)
def publish(request, pk: int):
    return services.publish(_resource(request, pk), by=request.auth)


@router.post("/resources/{pk}/return", response={200: ResourceDetail, **ERRORS}, auth=AUTH)
def return_to_draft(request, pk: int, payload: ReasonIn):
    return services.return_to_draft(_resource(request, pk), by=request.auth, reason=payload.reason)


@router.post("/resources/{pk}/withdraw", response={200: ResourceDetail, **ERRORS}, auth=AUTH)
def withdraw(request, pk: int, payload: ReasonIn):
    return services.withdraw(_resource(request, pk), by=request.auth, reason=payload.reason)


@router.post("/resources/{pk}/distribute", response={200: list[str], **ERRORS}, auth=AUTH)
def distribute(request, pk: int, payload: LibrariesIn):
    made = distribution.distribute(_resource(request, pk), payload.libraries, by=request.auth)
    return [d.library.code for d in made]


@router.post(
    "/resources/{pk}/files/{file_id}/link",
    response={200: LinkOut, 403: ErrorOut, 404: ErrorOut},
    summary="A time-limited signed link to one file (for players and download managers)",
)
def signed_link(request, pk: int, file_id: int):
    resource = _resource(request, pk)
    item = get_object_or_404(resource.files, pk=file_id)
    actor = actor_of(request)
    denial = permissions.read_denial(actor, resource, client_ip(request))
    if denial:
        usage.record_denial(request, resource)
        raise PermissionDenied(denial)
    token = delivery.sign_link(item, getattr(actor, "pk", None))
    url = request.build_absolute_uri(f"/resources/{pk}/files/{file_id}?link={token}")
    return {"url": url, "expires_in": settings.RESOURCES_DELIVERY["LINK_SECONDS"]}


@router.get("/collections", response={200: CollectionPage, 400: ErrorOut})
def list_collections(request, paging: Query[Paging], library: str | None = None):
    queryset = Collection.objects.select_related("library").order_by("library__code", "code", "pk")
    if library:
        queryset = queryset.filter(library__code=library.upper())
    return paginate(queryset, paging.page, paging.page_size)


@router.post("/collections", response={201: CollectionOut, **ERRORS}, auth=AUTH)
def create_collection(request, payload: CollectionIn):
    library = Library.objects.filter(code=payload.library.upper()).first()
    if library is None:
        raise ValidationFailed.single("library", "No library has this code.", "unknown")
    collection = services.create_collection(
        library, payload.code, payload.name, kind=payload.kind, by=request.auth,
        description=payload.description,
    )  # fmt: skip
    return Status(201, collection)


@router.get("/resource-imports/{pk}", response={200: ImportOut, 404: ErrorOut}, auth=AUTH)
def import_report(request, pk: int):
    batch = get_object_or_404(ImportBatch.objects.filter(permissions.staff_filter(request.auth)),
                              pk=pk)  # fmt: skip
    counts = {o: batch.rows.filter(outcome=o).count() for o in ImportRow.Outcome.values}
    failed = list(batch.rows.filter(outcome=ImportRow.Outcome.FAILED)[:1000])
    return {"id": batch.pk, "manifest": batch.manifest, "total_rows": batch.total_rows,
            "finished": batch.finished, "counts": counts, "failed": failed}  # fmt: skip


@router.get("/uploads/{upload_id}", response={200: UploadOut, 404: ErrorOut}, auth=AUTH)
def upload_status(request, upload_id: str):
    upload = (
        Upload.objects.filter(pk=upload_id, owner=request.auth).first()
        if _uuid(upload_id)
        else None
    )
    if upload is None:
        raise NotFound("No such upload of yours.")
    return upload


def _uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
