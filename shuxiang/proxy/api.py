"""JSON API of the proxy gateway (``/api/v1/proxy/…``): vendor definitions, pauses, usage.

Thin handlers: parse, call a service or a query, serialize. Staff see and change what lies
in their libraries' subtrees (the scope seam); readers see nothing.
"""

from __future__ import annotations

from ninja import Path, Query, Router

from shuxiang.core.api import AUTH, ErrorOut
from shuxiang.core.errors import FieldError, NotFound
from shuxiang.core.http import base_url
from shuxiang.network.models import Library
from shuxiang.proxy import oidc, queries, services
from shuxiang.proxy.schemas import (
    MAX_ID,
    ImportIn,
    OidcClientIn,
    OidcClientOut,
    PauseOut,
    StanzaImportOut,
    UsageOut,
    VendorIn,
    VendorOut,
)

router = Router(tags=["proxy"], auth=AUTH)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
Id = Path(..., ge=1, le=MAX_ID)


def _vendor(request, pk: int):
    vendor = queries.vendors_for(request.auth).filter(pk=pk).first()
    if vendor is None:
        reason = "No vendor definition with this id in your libraries."
        raise NotFound(reason, [FieldError("id", reason, "not_found")])
    return vendor


@router.get("/proxy/vendors", response={200: list[VendorOut], **ERRORS}, summary="Vendors")
def list_vendors(request):
    return list(queries.vendors_for(request.auth)[:1000])


@router.get("/proxy/vendors/{pk}", response={200: VendorOut, **ERRORS}, summary="A vendor")
def get_vendor(request, pk: int = Id):
    return _vendor(request, pk)


@router.patch("/proxy/vendors/{pk}", response={200: VendorOut, **ERRORS}, summary="Change")
def update_vendor(request, payload: VendorIn, pk: int = Id):
    _vendor(request, pk)
    data = payload.model_dump(exclude_unset=True)
    return services.update_vendor(pk, data, by=request.auth)


@router.post(
    "/proxy/vendors/{pk}/oidc-client",
    response={200: OidcClientOut, **ERRORS},
    summary="Make the vendor an OIDC client",
)
def make_oidc_client(request, payload: OidcClientIn, pk: int = Id):
    """The vendor signs readers in through the node; it gets a pairwise subject only."""
    _vendor(request, pk)
    app, secret = oidc.make_client(pk, payload.redirect_uris, by=request.auth)
    return {"client_id": app.client_id, "client_secret": secret, "issuer": base_url()}


@router.post(
    "/proxy/definitions",
    response={200: StanzaImportOut, **ERRORS},
    summary="Import EZproxy stanzas",
)
def import_definitions(request, payload: ImportIn):
    library = Library.objects.filter(code=payload.library.upper()).first()
    if library is None:
        reason = "No library with this code."
        raise NotFound(reason, [FieldError("library", reason, "not_found")])
    report = services.import_stanzas(
        payload.stanzas, library, by=request.auth, field_name="stanzas"
    )
    return {"created": report.created, "updated": report.updated, "notices": report.notices}


@router.get("/proxy/pauses", response={200: list[PauseOut], **ERRORS}, summary="Paused readers")
def list_pauses(request):
    return list(queries.pauses_for(request.auth)[:1000])


@router.post("/proxy/pauses/{pk}/lift", response={200: PauseOut, **ERRORS}, summary="Lift a pause")
def lift_pause(request, pk: int = Id):
    return services.lift(pk, by=request.auth)


@router.get("/proxy/usage", response={200: list[UsageOut], **ERRORS}, summary="Proxied use")
def usage(
    request,
    hours: int = Query(24, ge=1, le=24 * 90, description="Hours back from now."),
    vendor: int | None = Query(None, ge=1, le=MAX_ID, description="One vendor's id."),
):
    return queries.usage_for(request.auth, hours=hours, vendor=vendor)
