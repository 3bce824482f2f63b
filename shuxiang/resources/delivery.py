"""Delivering bytes: HTTP Range (206/416/If-Range), signed links, daily quotas, proxy hand-off.

Access is decided by ``permissions.read_denial`` before any byte is sent; this module shapes
the response and charges the daily quota (限额) for the bytes it is about to send.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import re
from collections.abc import AsyncIterator
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.resources.models import ResourceFile
from shuxiang.resources.storage import RangeReader, get_storage

RANGE_RE = re.compile(r"^bytes=([0-9]{0,18})-([0-9]{0,18})$")
LINK_SALT = "shuxiang.resources.link"


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(start, end) inclusive for one satisfiable range, None to send everything, or "416".

    Several ranges or a malformed header are ignored (the whole file is sent), as RFC 9110
    allows; a well-formed range that lies outside the file is unsatisfiable.
    """
    match = RANGE_RE.match(header.strip().replace(" ", ""))
    if not match or match.group(0) == "bytes=-":
        return None
    first, last = match.groups()
    if first == "":
        length = int(last)
        if length == 0:
            return "416"
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "416"
    return start, end


def _etag(item: ResourceFile) -> str:
    return f'"{item.sha256}"'


def _range_applies(request: HttpRequest, item: ResourceFile) -> bool:
    """If-Range: honour Range only when the validator still matches the stored file."""
    validator = request.headers.get("If-Range")
    if not validator:
        return True
    if validator.startswith(('"', 'W/"')):
        return validator == _etag(item)
    from django.utils.http import parse_http_date_safe

    stamp = parse_http_date_safe(validator)
    return stamp is not None and int(item.created_at.timestamp()) <= stamp


def _base_headers(response: HttpResponse, item: ResourceFile, download: bool) -> None:
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = _etag(item)
    response["Cache-Control"] = "private, no-transform"
    response["X-Content-Type-Options"] = "nosniff"
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(item.filename)}"


def _wanted(request: HttpRequest, item: ResourceFile) -> tuple[int, int] | None | str:
    if request.headers.get("Range") and _range_applies(request, item):
        return parse_range(request.headers["Range"], item.size)
    return None


def charge(request: HttpRequest, item: ResourceFile, who: str) -> HttpResponse | None:
    """Charge ``who``'s daily quota (限额) for a request that will send bytes of ``item``.

    Whatever range is asked for, sending any byte counts the file; a HEAD or an
    unsatisfiable range sends none and is free; ``who`` "" means nobody's quota.
    """
    if not who or request.method == "HEAD" or _wanted(request, item) == "416":
        return None
    return quota_exceeded(who, item)


def serve(request: HttpRequest, item: ResourceFile, *, download: bool = False) -> HttpResponse:
    """The bytes of ``item`` (whole, or one range), or a hand-off to the front proxy."""
    accel = _accel(item)
    if accel is not None:
        _base_headers(accel, item, download)
        return accel
    size = item.size
    wanted = _wanted(request, item)
    if wanted == "416":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        _base_headers(response, item, download)
        return response
    start, end = wanted if wanted else (0, size - 1)
    reader = RangeReader(io.BytesIO(), 0)
    if size:
        reader = get_storage().open_range(item.key, start, end)
    chunks = reader
    if isinstance(request, ASGIRequest):  # an ASGI server would buffer a sync iterator whole
        chunks = _async_chunks(reader)
    response = StreamingHttpResponse(chunks, content_type=item.content_type)
    if wanted:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1 if size else 0)
    _base_headers(response, item, download)
    return response


async def _async_chunks(reader: RangeReader) -> AsyncIterator[bytes]:
    """Yield the reader's chunks, each read in a worker thread.

    When the client goes away the server cancels this generator while a worker may still be
    reading; the reader is then closed on a worker thread too, where its lock makes the close
    wait for that read, so the event loop never blocks and the handle is always released.
    """
    loop = asyncio.get_running_loop()
    try:
        while chunk := await loop.run_in_executor(None, reader.read_chunk):
            yield chunk
    finally:
        loop.run_in_executor(None, reader.close)


def _accel(item: ResourceFile) -> HttpResponse | None:
    """X-Accel-Redirect (nginx) or X-Sendfile (Apache/lighttpd) when configured."""
    mode = settings.RESOURCES_DELIVERY.get("ACCEL", "")
    if mode == "x-accel-redirect":
        response = HttpResponse(content_type=item.content_type)
        prefix = settings.RESOURCES_DELIVERY.get("ACCEL_PREFIX", "/protected/")
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(item.key)
        return response
    if mode == "x-sendfile":
        path = get_storage().local_path(item.key)
        if path is not None:
            response = HttpResponse(content_type=item.content_type)
            response["X-Sendfile"] = str(path)
            return response
    return None


def sign_link(item: ResourceFile, user_id: int | None) -> str:
    """A token that lets ``user_id`` fetch ``item`` until it expires (SIGNED_LINK_SECONDS)."""
    return signing.dumps({"f": item.pk, "u": user_id}, salt=LINK_SALT, compress=True)


def read_link(token: str, item: ResourceFile) -> tuple[int | None, str | None]:
    """(user id, None) for a valid token of ``item``; (None, reason) otherwise."""
    max_age = settings.RESOURCES_DELIVERY.get("LINK_SECONDS", 3600)
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=max_age)
    except signing.SignatureExpired:
        return None, _("This download link has expired; open the resource page for a new one.")
    except signing.BadSignature:
        return None, _("This download link is not valid.")
    if not isinstance(data, dict) or data.get("f") != item.pk:
        return None, _("This download link is for another file.")
    return data.get("u"), None


def _seconds_to_midnight() -> int:
    now = timezone.localtime()
    tomorrow = datetime.datetime.combine(
        now.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=now.tzinfo
    )
    return max(int((tomorrow - now).total_seconds()), 1)


def quota_exceeded(who: str, item: ResourceFile) -> HttpResponse | None:
    """Count ``item`` against ``who``'s distinct files today; a 429 once the quota is used.

    Any request that sends bytes of a file counts it (whole or any range, from any offset);
    further ranges of a file already counted today are free (seeking in a video, resuming a
    download). A refused file is not counted, so asking again is refused again.
    """
    limit = settings.RESOURCES_DELIVERY.get("QUOTA", 200)
    if limit <= 0:
        return None
    key = f"sx:resources:downloads:{timezone.localdate():%Y%m%d}:{who}"
    timeout = _seconds_to_midnight() + 60
    if not cache.add(f"{key}:file:{item.pk}", 1, timeout=timeout):
        return None  # already counted today
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        count = 1
    if count <= limit:
        return None
    cache.delete(f"{key}:file:{item.pk}")
    with contextlib.suppress(ValueError):  # expired meanwhile: the new day starts at zero
        cache.decr(key)
    message = _(
        "You have reached today's limit of %(limit)d files. Files you opened today stay "
        "available; others open again at midnight. Bulk downloading is not allowed."
    ) % {"limit": limit}
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(_seconds_to_midnight())
    return response
