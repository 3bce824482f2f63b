"""The versioned JSON API (``/api/v1/``) with its OpenAPI document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from ninja import NinjaAPI

from shuxiang.core.api import install_error_handlers
from shuxiang.network.api import router as network_router
from shuxiang.portal.api import router as portal_router

api = NinjaAPI(
    title="Shuxiang API",
    version="1",
    description="JSON API of a Shuxiang node: every librarian action is available here.",
    urls_namespace="api-v1",
)
install_error_handlers(api)
api.add_router("/", network_router)
api.add_router("/", portal_router)
