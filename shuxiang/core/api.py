"""What every app's JSON API shares: authentication, error rendering and paging."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from shuxiang.core.errors import FieldError, ServiceError, ValidationFailed

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` with a token issued to a user."""

    def authenticate(self, request: HttpRequest, token: str):
        from shuxiang.accounts.services import user_for_token

        user = user_for_token(token)
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


class FieldErrorOut(Schema):
    field: str
    reason: str
    code: str


class ErrorOut(Schema):
    """Every API error: what went wrong, and each field at fault with the reason."""

    detail: str
    errors: list[FieldErrorOut] = []


class Paging(Schema):
    """The ``page`` and ``page_size`` query parameters of every list endpoint."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"Page number, 1 to {MAX_PAGE}.")
    page_size: int = Field(
        50, ge=1, le=MAX_PAGE_SIZE, description=f"Rows a page, 1 to {MAX_PAGE_SIZE}."
    )


class Page(Schema):
    count: int
    page: int
    page_size: int
    results: list[Any]


def check_paging(page: int, page_size: int) -> None:
    """Raise ValidationFailed naming ``page`` or ``page_size`` when either is out of bounds."""
    errors = []
    if not 1 <= page <= MAX_PAGE:
        errors.append(FieldError("page", f"Pages run from 1 to {MAX_PAGE}.", "out_of_range"))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        reason = f"Page size runs from 1 to {MAX_PAGE_SIZE}."
        errors.append(FieldError("page_size", reason, "out_of_range"))
    if errors:
        raise ValidationFailed("; ".join(e.reason for e in errors), errors)


def paginate(queryset: QuerySet, page: int, page_size: int) -> dict:
    """One page of ``queryset`` (pages 1 to MAX_PAGE, 1 to MAX_PAGE_SIZE rows a page)."""
    check_paging(page, page_size)
    start = (page - 1) * page_size
    return {
        "count": queryset.count(),
        "page": page,
        "page_size": page_size,
        "results": list(queryset[start : start + page_size]),
    }


NUL_REASON = "The text holds a NUL character (U+0000), which no field accepts."


def _nul_in(value: Any, path: str) -> str | None:
    """The dotted path of the first string (or key) in ``value`` holding a NUL, else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if not isinstance(value, dict | list):
        return None
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        where = f"{path}.{key}"
        if "\x00" in str(key):
            return where.replace("\x00", "")
        found = _nul_in(item, where)
        if found:
            return found
    return None


def _field(path: str, root: str) -> str:
    """``body.a.0`` → ``a.0``; the root itself when the NUL is in a top-level key or value."""
    return path.removeprefix(root + ".").strip(".") or root


class StrictParser(Parser):
    """Ninja's parser, refusing NUL characters (no database stores them) with the field named."""

    def parse_body(self, request: HttpRequest) -> dict:
        data = super().parse_body(request)
        path = _nul_in(data, "body")
        if path:
            raise ValidationFailed.single(_field(path, "body"), NUL_REASON, "nul")
        return data

    def parse_querydict(self, data, list_fields: list[str], request: HttpRequest) -> dict:
        path = _nul_in(dict(data.lists()), "query")
        if path:
            field = _field(path, "query").split(".")[0] or "query"
            raise ValidationFailed.single(field, NUL_REASON, "nul")
        return super().parse_querydict(data, list_fields, request)


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

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(
            request, {"detail": str(exc) or "Not Found", "errors": []}, status=404
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        reason = f"The request body is larger than {limit} bytes."
        body = ValidationFailed.single("body", reason, "too_large").as_dict()
        return api.create_response(request, body, status=413)

    @api.exception_handler(SuspiciousOperation)
    def refused(request, exc):
        reason = str(exc) or "The request was refused."
        body = ValidationFailed.single("request", reason).as_dict()
        return api.create_response(request, body, status=400)

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request, exc):
        body = ValidationFailed.single("body", f"The multipart body is malformed: {exc}").as_dict()
        return api.create_response(request, body, status=400)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, ServiceError):  # raised while parsing the body
            return service_error(request, exc.__cause__)
        body = {"detail": str(exc), "errors": []}
        if exc.status_code == 400:
            body["errors"] = [{"field": "body", "reason": str(exc), "code": "malformed"}]
        return api.create_response(request, body, status=exc.status_code)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(
            request,
            {"detail": "Authentication required: log in or send a bearer token.", "errors": []},
            status=401,
        )


ERROR_DESCRIPTIONS = {
    400: "The input is invalid: each field at fault is named with the reason.",
    401: "Authentication required: log in or send a bearer token.",
    403: "The caller may not do this.",
    404: "Nothing of that name, or it is not visible to the caller.",
    409: "The input clashes with what is stored (a duplicate or a wrong state).",
    413: "The request body is larger than the node accepts.",
    429: "Too many requests: try again later.",
}
WRITES = {"post", "put", "patch", "delete"}


def _errors_that_apply(path: str, method: str, operation: dict) -> list[int]:
    codes = []
    if operation.get("parameters") or operation.get("requestBody"):
        codes.append(400)
    if operation.get("security"):
        codes += [401, 403]
    if "{" in path:
        codes.append(404)
    if method in WRITES and operation.get("security"):
        codes.append(409)
    if operation.get("requestBody"):
        codes.append(413)
    return codes


def document_errors(schema: dict) -> dict:
    """Add to every operation of an OpenAPI document the error responses that apply to it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    shape = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(shape.pop("$defs", {}))
    components["ErrorOut"] = shape
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _errors_that_apply(path, method, operation):
                if code not in responses and str(code) not in responses:
                    responses[code] = {"description": ERROR_DESCRIPTIONS[code], "content": body}
    return schema


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI that refuses NUL characters in input and whose OpenAPI document lists each
    operation's error responses."""

    def __init__(self, **kwargs):
        super().__init__(parser=StrictParser(), **kwargs)

    def get_openapi_schema(self, *args, **kwargs):
        return document_errors(super().get_openapi_schema(*args, **kwargs))
