"""The versioned JSON API (``/api/v1/``) with its OpenAPI document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from shuxiang.accounts.api import router as accounts_router
from shuxiang.activities.api import router as activities_router
from shuxiang.catalog.api import router as catalog_router
from shuxiang.core.api import DocumentedAPI, install_error_handlers
from shuxiang.courses.api import router as courses_router
from shuxiang.courses.manage_api import router as courses_manage_router
from shuxiang.distribution.api import router as distribution_router
from shuxiang.distribution.push_api import router as packages_push_router
from shuxiang.federation.api import router as federation_router
from shuxiang.federation.pid_api import router as federation_prefixes_router
from shuxiang.identifiers.api import router as identifiers_router
from shuxiang.network.api import router as network_router
from shuxiang.network.jobs_api import router as jobs_router
from shuxiang.portal.api import router as portal_router
from shuxiang.proxy.api import router as proxy_router
from shuxiang.resources.api import router as resources_router
from shuxiang.stats.api import router as stats_router

api = DocumentedAPI(
    title="Shuxiang API",
    version="1",
    description="JSON API of a Shuxiang node: every librarian action is available here.",
    urls_namespace="api-v1",
)
install_error_handlers(api)
api.add_router("/", network_router)
api.add_router("/", accounts_router)
api.add_router("/", identifiers_router)
api.add_router("/", resources_router)
api.add_router("/catalog", catalog_router)
api.add_router("/", stats_router)
api.add_router("/", portal_router)
api.add_router("/", proxy_router)
api.add_router("/", activities_router)
api.add_router("/", jobs_router)
api.add_router("/", packages_push_router)  # before /packages/{pk}: /packages/offers
api.add_router("/", distribution_router)
api.add_router("/", courses_router)
api.add_router("/", courses_manage_router)
api.add_router("/federation", federation_router)
api.add_router("/federation", federation_prefixes_router)
