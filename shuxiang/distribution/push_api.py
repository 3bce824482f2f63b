"""JSON API of network push and deployment status, under /api/v1/packages/ (资源推送 · 部署状态).

Sending node: push a package to libraries below it, subscribe a library, read the deployment
status of the subtree with its coverage figures, list offers (what a receiving node's staff
token may pull) and take the receiving node's reports. Receiving node: list its transfers and
poll its parent for new offers.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from ninja import Query, Router, Schema

from shuxiang.core.api import AUTH, ErrorOut, Paging, paginate
from shuxiang.core.errors import NotFound
from shuxiang.core.http import base_url
from shuxiang.distribution import deployments, permissions, receiving
from shuxiang.distribution.models import Package, PackageVersion, Transfer
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role

router = Router(tags=["packages"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class PushIn(Schema):
    libraries: list[str]
    version: int | None = None
    delta_from: int | None = None


class SubscribeIn(Schema):
    library: str


class DeploymentOut(Schema):
    library: str
    library_name: str
    level: str
    state: str
    offered: int | None
    held: int | None
    progress: int | None
    done_bytes: int
    total_bytes: int
    files_done: int
    files_total: int
    reason: str
    updated_at: datetime | None


class CoverageOut(Schema):
    level: str
    total: int
    reached: int
    current: int


class DeploymentStatusOut(Schema):
    package: str
    newest: int | None
    coverage: list[CoverageOut]
    count: int
    page: int
    page_size: int
    results: list[DeploymentOut]


class OfferOut(Schema):
    id: int
    library: str
    code: str
    title: str
    external_id: str
    number: int
    base_number: int | None
    tagmanifest_sha256: str
    payload_bytes: int
    file_count: int
    top: list[str]
    token: str
    files_url: str
    report_url: str


class OfferList(Schema):
    items: list[OfferOut]


class ReportIn(Schema):
    state: str
    reason: str = ""
    done_bytes: int | None = None
    total_bytes: int | None = None
    files_done: int | None = None
    files_total: int | None = None


class ReportOut(Schema):
    library: str
    state: str
    held: int | None


class TransferOut(Schema):
    id: int
    library: str
    code: str
    title: str
    number: int
    base_number: int | None
    state: str
    done_bytes: int
    total_bytes: int
    files_done: int
    files_total: int
    reason: str
    updated_at: datetime

    @staticmethod
    def resolve_library(row) -> str:
        return row.library.code


class TransferPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[TransferOut]


class TransferFilter(Paging):
    state: str = ""


def _package(actor, package_id: int) -> Package:
    found = Package.objects.filter(permissions.packages_filter(actor), pk=package_id).first()
    if found is None:
        raise NotFound("No package with this id among your libraries' packages.")
    return found


def _row_out(row: deployments.Row) -> dict:
    d = row.deployment
    return {
        "library": row.library.code, "library_name": row.library.name,
        "level": row.library.level, "state": row.state or "not_offered",
        "offered": d.version.number if d else None, "held": d.held if d else None,
        "progress": row.progress, "done_bytes": d.done_bytes if d else 0,
        "total_bytes": d.total_bytes if d else 0, "files_done": d.files_done if d else 0,
        "files_total": d.files_total if d else 0, "reason": d.reason if d else "",
        "updated_at": d.updated_at if d else None,
    }  # fmt: skip


@router.post(
    "/packages/{package_id}/push",
    response={200: list[DeploymentOut], **ERRORS},
    auth=AUTH,
    summary="Offer a package to libraries below its library (default: what each needs)",
)
def push(request, package_id: int, body: PushIn):
    package = _package(request.auth, package_id)
    version = None
    if body.version is not None:
        version = PackageVersion.objects.filter(
            package=package, number=body.version, base_version__number=body.delta_from
        ) if body.delta_from is not None else package.versions.filter(
            number=body.version, base_version=None
        )  # fmt: skip
        version = version.first()
        if version is None:
            raise NotFound("This package has no such version.")
    rows = deployments.push(package, body.libraries, by=request.auth, version=version)
    codes = {row.library.code for row in rows}
    status = deployments.status(package, by=request.auth)
    return [_row_out(row) for row in status if row.library.code in codes]


@router.get(
    "/packages/{package_id}/deployments",
    response={200: DeploymentStatusOut, **ERRORS},
    auth=AUTH,
    summary="Deployment status of every library below the package's library, with coverage",
)
def deployment_status(request, package_id: int, paging: Query[Paging], within: str = ""):
    package = _package(request.auth, package_id)
    library = Library.objects.filter(code=within).first() if within else None
    if within and library is None:
        raise NotFound("No library has this code.")
    rows = deployments.status(package, by=request.auth, within=library)
    newest = deployments.latest_full(package)
    start = (paging.page - 1) * paging.page_size
    return {
        "package": package.code, "newest": newest.number if newest else None,
        "coverage": deployments.coverage(rows), "count": len(rows), "page": paging.page,
        "page_size": paging.page_size,
        "results": [_row_out(r) for r in rows[start : start + paging.page_size]],
    }  # fmt: skip


@router.post(
    "/packages/{package_id}/subscriptions",
    response={200: DeploymentOut, **ERRORS},
    auth=AUTH,
    summary="Subscribe a library to every new version of a package",
)
def subscribe(request, package_id: int, body: SubscribeIn):
    package = Package.objects.filter(pk=package_id).first()
    library = Library.objects.filter(code=body.library).first()
    if package is None or library is None:
        raise NotFound("No such package or library.")
    deployments.subscribe(package, library, by=request.auth)
    return _row_out(_self_row(package, library))


def _self_row(package: Package, library: Library) -> deployments.Row:
    found = package.deployments.select_related("version").filter(library=library).first()
    newest = deployments.latest_full(package)
    state = deployments.shown_state(found, newest.number if newest else None)
    return deployments.Row(library, found, state, None)


@router.get(
    "/packages/offers",
    response={200: OfferList, **ERRORS},
    auth=AUTH,
    summary="Pending offers to the libraries where you are staff (what your node pulls)",
)
def offers(request):
    base = base_url()
    found = deployments.offers_for(request.auth)
    return {"items": [deployments.offer_document(d, base) for d in found]}


@router.post(
    "/packages/offers/{token}/report",
    response={200: ReportOut, **ERRORS},
    summary="The receiving node reports its pull of an offer (the token authorises it)",
)
def report(request, token: str, body: ReportIn):
    row = deployments.report(token, body.dict())
    return {"library": row.library.code, "state": row.state, "held": row.held}


@router.get(
    "/packages/transfers",
    response={200: TransferPage, **ERRORS},
    auth=AUTH,
    summary="Packages this node pulls or pulled for your libraries",
)
def transfers(request, filters: Query[TransferFilter]):
    rows = Transfer.objects.filter(scopes.in_scope(request.auth, "library", role=Role.LIBRARIAN))
    if filters.state:
        rows = rows.filter(Q(state=filters.state))
    return paginate(rows.select_related("library"), filters.page, filters.page_size)


@router.post(
    "/packages/transfers/poll",
    response={200: list[TransferOut], **ERRORS},
    auth=AUTH,
    summary="Ask the parent node for new offers now (each becomes a transfer job)",
)
def poll(request):
    return receiving.poll(by=request.auth)
