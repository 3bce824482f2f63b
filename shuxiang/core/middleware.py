"""Security headers added to every response."""

from __future__ import annotations

from http import HTTPStatus

from django.http import JsonResponse

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def node_policy() -> str:
    """The node-wide CSP. With the proxy gateway on, a form posted here (the login form whose
    ``next`` is ``/proxy/login?url=…``) may end on a gateway host: browsers apply
    ``form-action`` to the redirects after a post too."""
    from urllib.parse import urlsplit

    from shuxiang.core import options
    from shuxiang.core.http import base_url

    if str(options.value("PROXY_MODE")).strip().lower() == "port":  # vendor hosts on node ports
        host = urlsplit(base_url()).hostname or "127.0.0.1"
        return f"{CSP} {options.value('PROXY_GATEWAY_SCHEME')}://{host}:*"
    domain = options.value("PROXY_DOMAIN")
    if not domain:
        return CSP
    port = options.value("PROXY_GATEWAY_PORT")
    gateway = f"{options.value('PROXY_GATEWAY_SCHEME')}://*.{domain}" + (f":{port}" if port else "")
    return f"{CSP} {gateway}"


class SecurityHeadersMiddleware:
    """Adds a Content-Security-Policy and Permissions-Policy unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = node_policy()

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/v1/docs"):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class ApiErrorShapeMiddleware:
    """Every error under ``/api/`` in the API's JSON shape, whoever produced it.

    Django's own answers (an unknown path, a method not allowed, an over-size body refused
    before the API saw it, a server error) are HTML or empty; API clients get
    ``{"detail": ..., "errors": []}`` with the same status instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and "\x00" in request.path:
            return JsonResponse(
                {
                    "detail": "The path holds a NUL character (U+0000).",
                    "errors": [{"field": "path", "reason": "NUL character", "code": "nul"}],
                },
                status=400,
            )
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _json_error(response)
        return response


def _json_error(response):
    try:
        detail = HTTPStatus(response.status_code).phrase
    except ValueError:
        detail = "Error"
    shaped = JsonResponse({"detail": detail, "errors": []}, status=response.status_code)
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            shaped[header] = response[header]
    return shaped
