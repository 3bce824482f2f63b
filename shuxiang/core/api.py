"""What every app's JSON API shares: authentication, error rendering and paging."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from shuxiang.core.errors import ServiceError


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` with a token issued to a user."""

    def authenticate(self, request: HttpRequest, token: str):
        user = import_string(settings.API_TOKEN_USER)(token)
        if user is not None:
            request.user = user
        return user


AUTH = [BearerToken(), SessionAuth()]


def actor_of(request: HttpRequest):
    """The person behind a request on a public endpoint (bearer token, session, or anonymous)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = BearerToken().authenticate(request, header[7:].strip())
        if user is not None:
            return user
    return request.user


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] = []


class Page(Schema):
    count: int
    page: int
    page_size: int
    results: list[Any]


def paginate(queryset: QuerySet, page: int, page_size: int) -> dict:
    """One page of ``queryset`` (page numbers start at 1, at most 200 rows a page)."""
    page = max(page, 1)
    page_size = min(max(page_size, 1), 200)
    start = (page - 1) * page_size
    return {
        "count": queryset.count(),
        "page": page,
        "page_size": page_size,
        "results": list(queryset[start : start + page_size]),
    }


def _field_of(location: tuple) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "payload")]
    return ".".join(parts) or "request"


def install_error_handlers(api: NinjaAPI) -> None:
    """Render every error as ``{"detail": ..., "errors": [{"field", "reason", "code"}]}``."""

    @api.exception_handler(ServiceError)
    def service_error(request, exc: ServiceError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def schema_error(request, exc: ValidationError):
        errors = [
            {
                "field": _field_of(tuple(e.get("loc", ()))),
                "reason": e.get("msg", ""),
                "code": e.get("type", "invalid"),
            }
            for e in exc.errors
        ]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return api.create_response(request, {"detail": detail, "errors": errors}, status=400)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(
            request,
            {"detail": "Authentication required: log in or send a bearer token.", "errors": []},
            status=401,
        )
