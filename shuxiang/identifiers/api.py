"""JSON API of the identifier system: thin handlers that parse, call services, serialize.

Identifiers hold one slash (``prefix/suffix``), so routes take them as two path segments.
"""

from __future__ import annotations

from django.db.models import Q
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from shuxiang.core.api import AUTH, ErrorOut, Paging, actor_of, paginate
from shuxiang.core.errors import NotFound, ValidationFailed
from shuxiang.core.textfiles import text_stream
from shuxiang.identifiers import batch, names, services, workflow
from shuxiang.identifiers.models import Identifier
from shuxiang.identifiers.permissions import is_registrar_of, require_registrar_of
from shuxiang.identifiers.permissions import reviewable_filter as reviewable
from shuxiang.identifiers.schemas import (
    ApplyIn,
    ChangeIn,
    EventOut,
    IdentifierImportOut,
    IdentifierOut,
    IdentifierPage,
    IdentifierReasonIn,
    MintIn,
    MirrorsIn,
    PrefixIn,
    PrefixOut,
    RegisterIn,
    TransferIn,
)
from shuxiang.network.models import Library

router = Router(tags=["identifiers"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
PUBLIC = (Identifier.Status.ACTIVE, Identifier.Status.WITHDRAWN)


def _library(code: str, field: str = "library") -> Library:
    library = Library.objects.filter(code=(code or "").strip().upper()).first()
    if library is None:
        raise ValidationFailed.single(field, f"No library has the code {code!r}.", "unknown")
    return library


def _visible(request, prefix: str, suffix: str) -> Identifier:
    identifier = services.get_identifier(f"{prefix}/{suffix}")
    if identifier.status not in PUBLIC and not is_registrar_of(
        actor_of(request), identifier.library
    ):
        raise NotFound(f"No identifier is named {prefix}/{suffix}.")
    return identifier


@router.get("/pids", response=IdentifierPage, summary="Search identifiers by name or title")
def list_identifiers(
    request, paging: Query[Paging], q: str = "", library: str = "", status: str = ""
):
    actor = actor_of(request)
    staff_scope = Q(library__in=Library.objects.filter(_scope_of(actor)))
    queryset = Identifier.objects.filter(Q(status__in=PUBLIC) | staff_scope)
    if q:
        queryset = queryset.filter(Q(name=names.normalise(q)) | Q(metadata__title__icontains=q))
    if library:
        queryset = queryset.filter(library__code=library.upper())
    if status:
        queryset = queryset.filter(status=status)
    related = queryset.select_related("library", "similar_to")
    return paginate(related, paging.page, paging.page_size)


def _scope_of(actor) -> Q:
    from shuxiang.identifiers.permissions import _staff_libraries
    from shuxiang.network.permissions import subtree_filter

    condition = subtree_filter(actor)
    for library in _staff_libraries(actor):
        condition |= Q(path__startswith=library.path)
    return condition


@router.post(
    "/pids",
    response={201: IdentifierOut, **ERRORS},
    auth=AUTH,
    summary="Register a resource your library serves itself (active at once)",
)
def register(request, payload: RegisterIn):
    data = payload.dict()
    library = _library(data.pop("library"))
    return Status(201, services.register_for_resource(library=library, by=request.auth, **data))


@router.post(
    "/pids/mint",
    response={200: list[str], **ERRORS},
    auth=AUTH,
    summary="Mint fresh unused names under a library's prefix (nothing is stored)",
)
def mint(request, payload: MintIn):
    library = _library(payload.library)
    require_registrar_of(request.auth, library, action="mint identifiers")
    if not 1 <= payload.count <= 1000:
        raise ValidationFailed.single("count", "Mint between 1 and 1000 names.", "out_of_range")
    return services.mint_names(library, payload.count)


@router.post(
    "/pids/applications",
    response={201: IdentifierOut, **ERRORS},
    auth=AUTH,
    summary="Apply for an identifier (checked, then waits for review)",
)
def apply(request, payload: ApplyIn):
    data = payload.dict()
    library = _library(data.pop("library"))
    return Status(201, workflow.apply(library=library, by=request.auth, **data))


@router.get(
    "/pids/applications",
    response=list[IdentifierOut],
    auth=AUTH,
    summary="Applications waiting for you to review",
)
def review_queue(request):
    scope = Library.objects.filter(reviewable(request.auth))
    return list(
        Identifier.objects.filter(
            status=Identifier.Status.PENDING, library__in=scope
        ).select_related("library", "similar_to")[:500]
    )


@router.post(
    "/pids/import",
    response={200: IdentifierImportOut, **ERRORS},
    auth=AUTH,
    summary="Register many resources from a CSV or JSON file",
)
def import_file(request, library: Form[str], file: File[UploadedFile], format: Form[str] = ""):
    fmt = format or ("csv" if file.name.lower().endswith(".csv") else "json")
    stream = text_stream(file.file)
    report = batch.import_rows(
        batch.read_rows(stream, fmt), library=_library(library), by=request.auth, progress=False
    )
    return {**report.__dict__, "failed": report.failed}


@router.get("/pids/{prefix}/{suffix}", response={200: IdentifierOut, 404: ErrorOut})
def get_identifier(request, prefix: str, suffix: str):
    return _visible(request, prefix, suffix)


@router.patch(
    "/pids/{prefix}/{suffix}",
    response={200: IdentifierOut, **ERRORS},
    auth=AUTH,
    summary="Change the location (checked to answer) and optionally the metadata",
)
def change(request, prefix: str, suffix: str, payload: ChangeIn):
    return services.update_location(
        f"{prefix}/{suffix}",
        location=payload.location,
        metadata=payload.metadata,
        by=request.auth,
        check=True,
    )


@router.put("/pids/{prefix}/{suffix}/mirrors", response={200: IdentifierOut, **ERRORS}, auth=AUTH)
def mirrors(request, prefix: str, suffix: str, payload: MirrorsIn):
    rows = [m.dict() for m in payload.mirrors]
    return services.set_mirrors(f"{prefix}/{suffix}", mirrors=rows, by=request.auth)


@router.post("/pids/{prefix}/{suffix}/withdraw", response={200: IdentifierOut, **ERRORS}, auth=AUTH)
def withdraw(request, prefix: str, suffix: str, payload: IdentifierReasonIn):
    return services.withdraw(f"{prefix}/{suffix}", by=request.auth, reason=payload.reason)


@router.post("/pids/{prefix}/{suffix}/transfer", response={200: IdentifierOut, **ERRORS}, auth=AUTH)
def transfer(request, prefix: str, suffix: str, payload: TransferIn):
    to = _library(payload.to, "to")
    return services.transfer(f"{prefix}/{suffix}", to=to, by=request.auth)


@router.post("/pids/{prefix}/{suffix}/approve", response={200: IdentifierOut, **ERRORS}, auth=AUTH)
def approve(request, prefix: str, suffix: str, payload: IdentifierReasonIn):
    return workflow.approve(f"{prefix}/{suffix}", by=request.auth, reason=payload.reason)


@router.post("/pids/{prefix}/{suffix}/reject", response={200: IdentifierOut, **ERRORS}, auth=AUTH)
def reject(request, prefix: str, suffix: str, payload: IdentifierReasonIn):
    return workflow.reject(f"{prefix}/{suffix}", by=request.auth, reason=payload.reason)


@router.get(
    "/pids/{prefix}/{suffix}/history",
    response={200: list[EventOut], **ERRORS},
    auth=AUTH,
    summary="Who changed what, when (staff of the owning library)",
)
def history(request, prefix: str, suffix: str):
    identifier = services.get_identifier(f"{prefix}/{suffix}")
    require_registrar_of(request.auth, identifier.library, action="read this history")
    return services.history(identifier.name)


@router.get("/libraries/{code}/pid-prefix", response={200: PrefixOut, **ERRORS})
def get_prefix(request, code: str):
    library = _library(code, "code")
    return _prefix_out(library, services.prefix_for(library).value)


@router.put(
    "/libraries/{code}/pid-prefix",
    response={200: PrefixOut, **ERRORS},
    auth=AUTH,
    summary="Allocate a library's identifier prefix (national center)",
)
def set_prefix(request, code: str, payload: PrefixIn):
    library = _library(code, "code")
    return _prefix_out(library, services.set_prefix(library, payload.prefix, by=request.auth).value)


def _prefix_out(library: Library, value: str) -> dict:
    return {"library": library.code, "prefix": value, "full": names.full_prefix(value)}
