"""Serving an offered bag's files to the receiving node, with HTTP Range (resumable pulls).

Between federation peers the files are served by ``peer.bag_file`` (RFC 9421 signed requests,
the default). ``GET /packages/offers/<token>/files/<path>`` stays for a library whose node is
not a federation peer: the token is the offer's capability (``deployments.offer_token``), and
it is refused for a library hosted by a peer node (that node must sign). The path is a file
of the offered version's bag (a tag file at its top or a payload file under ``data/``). A bag
never changes once built, so its ETag is the file's size and modification time, and a
``Range: bytes=N-`` request is answered with 206 and the rest of the file (the range parsing
and chunked reading are the resources app's).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_http_methods

from shuxiang.core.errors import ServiceError
from shuxiang.distribution import deployments
from shuxiang.distribution.transfer import safe_relative
from shuxiang.resources import delivery
from shuxiang.resources.storage import RangeReader


def _error(exc: ServiceError) -> HttpResponse:
    body = json.dumps({"detail": exc.message, "errors": []}, ensure_ascii=False)
    return HttpResponse(body, status=exc.status, content_type="application/json")


def bag_file_path(bag: Path, path: str) -> Path | None:
    """The file ``path`` inside ``bag``, or None when it is not a regular file of the bag."""
    if not safe_relative(path) or "\x00" in path:
        return None
    target = bag / path
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(bag.resolve()) or not resolved.is_file():
        return None
    return resolved


@require_http_methods(["GET", "HEAD"])
def bag_file(request: HttpRequest, token: str, path: str) -> HttpResponse:
    try:
        deployment = deployments.deployment_for_token(token)
        deployments.require_unfederated(deployment)
    except ServiceError as exc:
        return _error(exc)
    return serve(request, Path(deployment.version.bag_path), path)


def serve(request: HttpRequest, bag: Path, path: str) -> HttpResponse:
    """The file ``path`` of ``bag``, whole or the asked range (206), or 404/416."""
    target = bag_file_path(bag, path)
    if target is None:
        return HttpResponse(status=404)
    stat = target.stat()
    size, etag = stat.st_size, f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
    wanted = (
        delivery.parse_range(request.headers["Range"], size) if "Range" in request.headers else None
    )
    if request.headers.get("If-Range") not in (None, etag):
        wanted = None
    if wanted == "416":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = wanted if wanted else (0, size - 1)
    length = end - start + 1 if size else 0
    handle = open(target, "rb")  # noqa: SIM115 - closed by the reader at its end
    handle.seek(start)
    chunks = RangeReader(handle, length) if request.method == "GET" else iter(())
    if request.method == "HEAD":
        handle.close()
    elif isinstance(request, ASGIRequest):  # an ASGI server would buffer a sync iterator whole
        chunks = delivery._async_chunks(chunks)
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    if wanted:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-transform"
    response["X-Content-Type-Options"] = "nosniff"
    return response
