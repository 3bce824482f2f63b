"""JSON API of the library network: thin handlers that parse, call services, serialize."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from shuxiang.core.api import AUTH, ErrorOut, Paging, actor_of, paginate
from shuxiang.core.errors import ValidationFailed
from shuxiang.network import queries, scopes, services
from shuxiang.network.models import Admission, Division, Library
from shuxiang.network.schemas import (
    AdmissionOut,
    AdmissionPage,
    DivisionOut,
    LibraryChange,
    LibraryCreate,
    LibraryOut,
    LibraryPage,
    RejectIn,
    StatusIn,
)

router = Router(tags=["network"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
PUBLIC_STATUSES = (Library.Status.ACTIVE, Library.Status.SUSPENDED)


class LibraryFilter(Paging):
    level: str | None = None
    status: str | None = None
    parent: str | None = None
    division: str | None = None
    q: str | None = None


def _with_relations(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("parent", "division").prefetch_related("domains", "ip_ranges")


def visible_libraries(request) -> QuerySet[Library]:
    """Admitted libraries for everyone; applying/rejected ones only to their administrators."""
    actor = actor_of(request)
    return Library.objects.filter(Q(status__in=PUBLIC_STATUSES) | scopes.in_scope(actor))


def _library(request, code: str) -> Library:
    return get_object_or_404(visible_libraries(request), code=code.upper())


def _filtered(queryset: QuerySet, filters: LibraryFilter) -> QuerySet:
    if filters.level:
        queryset = queryset.filter(level=filters.level)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.parent:
        queryset = queryset.filter(parent__code=filters.parent.upper())
    if filters.division:
        queryset = queryset.filter(division_id=filters.division)
    if filters.q:
        queryset = queryset.filter(
            Q(name__icontains=filters.q)
            | Q(name_en__icontains=filters.q)
            | Q(code__iexact=filters.q)
        )
    return queryset


@router.get("/libraries", response=LibraryPage, summary="List and filter libraries")
def list_libraries(request, filters: Query[LibraryFilter]):
    queryset = _filtered(_with_relations(visible_libraries(request)), filters)
    return paginate(queryset, filters.page, filters.page_size)


@router.get("/libraries/{code}", response={200: LibraryOut, 404: ErrorOut})
def get_library(request, code: str):
    return _library(request, code)


@router.get(
    "/libraries/{code}/subtree",
    response=LibraryPage,
    summary="A library and everything below it (filter by level, e.g. county)",
)
def library_subtree(request, code: str, filters: Query[LibraryFilter]):
    root = _library(request, code)
    in_scope = queries.subtree(root) & visible_libraries(request)
    queryset = _filtered(_with_relations(in_scope), filters)
    return paginate(queryset, filters.page, filters.page_size)


@router.get("/libraries/{code}/ancestors", response=list[LibraryOut])
def library_ancestors(request, code: str):
    return list(_with_relations(queries.ancestors(_library(request, code))))


@router.post(
    "/libraries",
    response={201: LibraryOut, **ERRORS},
    auth=AUTH,
    summary="Create an active library below a parent you administer",
)
def create_library(request, payload: LibraryCreate):
    library = services.create_library(_payload(payload), by=request.auth)
    return Status(201, library)


@router.patch("/libraries/{code}", response={200: LibraryOut, **ERRORS}, auth=AUTH)
def update_library(request, code: str, payload: LibraryChange):
    library = _library(request, code)
    return services.update_library(library, _payload(payload), by=request.auth)


@router.post("/libraries/{code}/status", response={200: LibraryOut, **ERRORS}, auth=AUTH)
def set_library_status(request, code: str, payload: StatusIn):
    return services.set_status(_library(request, code), payload.status, by=request.auth)


@router.post(
    "/admissions",
    response={201: AdmissionOut, **ERRORS},
    auth=AUTH,
    summary="Apply for a new library to join the network",
)
def apply(request, payload: LibraryCreate):
    return Status(201, services.apply_for_admission(_payload(payload), by=request.auth))


@router.get(
    "/admissions",
    response={200: AdmissionPage, **ERRORS},
    auth=AUTH,
    summary="Applications below the libraries you administer",
)
def list_admissions(request, paging: Query[Paging], outcome: str = Admission.Outcome.PENDING):
    scope = scopes.in_scope(request.auth)
    libraries = Library.objects.filter(scope)
    queryset = (
        Admission.objects.filter(outcome=outcome, library__in=libraries)
        .select_related("library", "applied_by", "decided_by")
        .order_by("-applied_at", "-pk")
    )
    return paginate(queryset, paging.page, paging.page_size)


@router.post(
    "/libraries/{code}/admission/approve", response={200: AdmissionOut, **ERRORS}, auth=AUTH
)
def approve(request, code: str):
    return services.approve_admission(_library(request, code), by=request.auth)


@router.post(
    "/libraries/{code}/admission/reject", response={200: AdmissionOut, **ERRORS}, auth=AUTH
)
def reject(request, code: str, payload: RejectIn):
    return services.reject_admission(
        _library(request, code), by=request.auth, reason=payload.reason
    )


@router.get(
    "/network/lookup",
    response={200: LibraryOut, 400: ErrorOut, 404: ErrorOut},
    summary="The library whose network holds an IP address",
)
def lookup_ip(request, ip: str):
    try:
        library = queries.library_for_ip(ip)
    except ValueError:
        raise ValidationFailed.single("ip", f"{ip!r} is not an IP address.") from None
    if library is None:
        return Status(404, {"detail": f"No library network holds {ip}.", "errors": []})
    return library


@router.get("/divisions", response=list[DivisionOut], summary="GB/T 2260 division codes")
def list_divisions(
    request, parent: str | None = None, level: str | None = None, current: bool = True
):
    queryset = Division.objects.all()
    if current:
        queryset = queryset.filter(is_current=True)
    if level:
        queryset = queryset.filter(level=level)
    if parent:
        prefix = parent[:2] if parent.endswith("0000") else parent[:4]
        queryset = queryset.filter(code__startswith=prefix).exclude(code=parent)
    return list(queryset[:5000])


def _payload(schema: Schema) -> dict:
    data = schema.dict(exclude_unset=True)
    if "ip_ranges" in data and data["ip_ranges"] is not None:
        data["ip_ranges"] = [r if isinstance(r, str) else dict(r) for r in data["ip_ranges"]]
    return data
