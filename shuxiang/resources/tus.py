"""Resumable uploads with the tus 1.0 protocol (core; creation, termination, expiration).

``POST /resources/uploads/`` creates an upload (Upload-Length, Upload-Metadata with filename,
collection, type, title and optional subtype); ``HEAD`` reports the offset; ``PATCH`` appends
bytes at the offset; ``DELETE`` discards it. When the last byte arrives the file becomes the
original of a new draft resource (``uploads.finish``, safe to repeat after a crash); an
unfinished upload expires (Upload-Expires) after ``UPLOAD_EXPIRY_HOURS`` without bytes.
Authentication: bearer token, or session plus CSRF token.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from shuxiang.core.api import actor_of
from shuxiang.core.errors import ServiceError, ValidationFailed
from shuxiang.resources import permissions, services, uploads
from shuxiang.resources.models import Upload
from shuxiang.resources.uploads import part_path, whole_number
from shuxiang.resources.validation import clean_metadata

log = logging.getLogger(__name__)
VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
CHUNK = 1024 * 1024
REQUIRED_METADATA = ("filename", "collection", "type", "title")


def _response(status: int, **headers: str) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Tus-Resumable"] = VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(status: int, detail: str, errors: list | None = None) -> HttpResponse:
    body = json.dumps({"detail": detail, "errors": errors or []}, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type="application/json")
    response["Tus-Resumable"] = VERSION
    return response


def _authenticate(request: HttpRequest):
    """The uploading person; session requests must carry the CSRF token."""
    bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    if not bearer and request.method not in ("HEAD", "OPTIONS"):
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            return None
    actor = actor_of(request)
    return actor if getattr(actor, "is_authenticated", False) else None


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated ``key base64value`` pairs (value may be absent)."""
    result = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _space, encoded = pair.partition(" ")
        try:
            result[key] = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValidationFailed.single(
                f"metadata.{key}", "Not valid base64-encoded UTF-8."
            ) from None
    return result


def _check_creation(actor, metadata: dict[str, str], length: int) -> None:
    purpose = uploads.purpose_of(metadata)
    if purpose:  # another app's file (see uploads.register_purpose)
        if not metadata.get("filename"):
            raise ValidationFailed.single("metadata.filename", "This field is required.")
        purpose[0](actor, metadata, length)
        return
    missing = [k for k in REQUIRED_METADATA if not metadata.get(k)]
    if missing:
        raise ValidationFailed.single(f"metadata.{missing[0]}", "This field is required.")
    collection = uploads.collection_of(metadata)
    permissions.require_staff_of(actor, collection.library, action="upload resources to")
    cleaned = clean_metadata(uploads.resource_fields(metadata))
    services.check_uploads(cleaned["type"], [services.Upload(metadata["filename"], None)])
    limit = settings.RESOURCES_DELIVERY["UPLOAD_MAX_BYTES"]
    if length > limit:
        raise ValidationFailed.single("Upload-Length", f"At most {limit} bytes.", "too_large")


@csrf_exempt
def collection_endpoint(request: HttpRequest) -> HttpResponse:
    """OPTIONS (capabilities) and POST (creation)."""
    if request.method == "OPTIONS":
        return _response(
            204,
            Tus_Version=VERSION,
            Tus_Extension=EXTENSIONS,
            Tus_Max_Size=str(settings.RESOURCES_DELIVERY["UPLOAD_MAX_BYTES"]),
        )
    if request.method != "POST":
        return _response(405, Allow="OPTIONS, POST")
    if request.headers.get("Tus-Resumable") != VERSION:
        return _response(412, Tus_Version=VERSION)
    actor = _authenticate(request)
    if actor is None:
        return _error(401, "Log in or send a bearer token to upload.")
    length = whole_number(request.headers.get("Upload-Length", ""), max_digits=19)
    if length is None:
        return _field_error("Upload-Length", "Give the size as a whole number of bytes (0-9).")
    try:
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        _check_creation(actor, metadata, length)
    except ServiceError as exc:
        return _error(exc.status, exc.message, [e.as_dict() for e in exc.errors])
    upload = Upload.objects.create(owner=actor, length=length, metadata=metadata)
    part_path(upload).write_bytes(b"")
    location = request.build_absolute_uri(reverse("resources:tus_upload", args=[upload.pk]))
    outcome = _outcome(upload) if upload.complete else _expiry(upload)  # an empty file is done
    return _response(201, Location=location, Upload_Offset="0", **outcome)


def _field_error(field: str, reason: str) -> HttpResponse:
    error = {"field": field, "reason": reason, "code": "invalid"}
    return _error(400, f"{field}: {reason}", [error])


def _expiry(upload: Upload) -> dict[str, str]:
    moment = uploads.expires_at(upload)
    return {"Upload_Expires": http_date(moment.timestamp())} if moment else {}


def _outcome(upload: Upload) -> dict[str, str]:
    """Headers telling how a complete upload ended (finishing it first when still pending)."""
    if upload.pending:
        try:
            upload = uploads.finish(upload)
        except Exception:  # storage or database trouble: it stays pending for the next pass
            log.exception("finishing upload %s failed; it stays pending", upload.pk)
    if upload.resource_id:
        return {"X_Resource_Id": str(upload.resource_id)}
    if upload.metadata.get("result"):
        return {"X_Upload_Location": upload.metadata["result"]}
    return {"X_Upload_Error": "1"} if upload.error else {}


@csrf_exempt
def upload_endpoint(request: HttpRequest, upload_id) -> HttpResponse:
    """HEAD (offset), PATCH (append) and DELETE (termination) of one upload."""
    if request.method == "OPTIONS":
        return _response(204, Tus_Version=VERSION, Tus_Extension=EXTENSIONS)
    if request.headers.get("Tus-Resumable") != VERSION:
        return _response(412, Tus_Version=VERSION)
    actor = _authenticate(request)
    upload = Upload.objects.filter(pk=upload_id).first()
    if actor is None:
        return _error(401, "Log in or send a bearer token to upload.")
    if upload is None or upload.owner_id != actor.pk:
        return _response(404)
    if request.method == "DELETE":
        uploads.terminate(upload)
        return _response(204)
    if uploads.expired(upload):
        uploads.terminate(upload)
        return _response(410)
    if request.method == "HEAD":
        headers = {"Upload_Offset": str(upload.offset), "Upload_Length": str(upload.length)}
        headers.update(_outcome(upload) if upload.complete else _expiry(upload))
        return _response(200, **headers)
    if request.method == "PATCH":
        return _append(request, upload)
    return _response(405, Allow="HEAD, PATCH, DELETE, OPTIONS")


def _append(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        return _response(415)
    offset = whole_number(request.headers.get("Upload-Offset", ""), max_digits=19)
    if offset is None:
        return _field_error("Upload-Offset", "Give the offset as a whole number of bytes (0-9).")
    if offset != upload.offset:
        return _response(409, Upload_Offset=str(upload.offset))
    if upload.complete:  # a retry after the last byte: finish what a crash may have left
        return _response(204, Upload_Offset=str(upload.offset), **_outcome(upload))
    written = _write_body(request, upload)
    moved = Upload.objects.filter(pk=upload.pk, offset=upload.offset).update(
        offset=upload.offset + written, updated_at=timezone.now()
    )
    if not moved:  # another PATCH got there first
        return _response(409)
    upload.refresh_from_db()
    headers = {"Upload_Offset": str(upload.offset)}
    headers.update(_outcome(upload) if upload.complete else _expiry(upload))
    return _response(204, **headers)


def _write_body(request: HttpRequest, upload: Upload) -> int:
    """Append the body at the offset, never past Upload-Length; return the bytes kept.

    The bytes reach the disk (fsync) before the caller moves the offset past them.
    """
    room = upload.length - upload.offset
    written = 0
    descriptor = os.open(part_path(upload), os.O_RDWR | os.O_CREAT, 0o600)
    with open(descriptor, "r+b") as part:
        part.seek(upload.offset)
        part.truncate()
        try:
            while written < room:
                chunk = request.read(min(CHUNK, room - written))
                if not chunk:
                    break
                part.write(chunk)
                written += len(chunk)
        except OSError:  # the client went away: keep what arrived, it can resume
            pass
        part.flush()
        os.fsync(part.fileno())
    return written
