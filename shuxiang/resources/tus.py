"""Resumable uploads with the tus 1.0 protocol (core, creation and termination extensions).

``POST /resources/uploads/`` creates an upload (Upload-Length, Upload-Metadata with filename,
collection, type, title and optional subtype); ``HEAD`` reports the offset; ``PATCH`` appends
bytes at the offset; ``DELETE`` discards it. When the last byte arrives the file becomes the
original of a new draft resource. Authentication: bearer token, or session plus CSRF token.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from shuxiang.core.api import actor_of
from shuxiang.core.errors import ServiceError, ValidationFailed
from shuxiang.resources import permissions, services
from shuxiang.resources.models import Collection, Upload
from shuxiang.resources.validation import clean_metadata

VERSION = "1.0.0"
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


def part_path(upload: Upload) -> Path:
    folder = Path(settings.DATA_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{upload.pk}.part"


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
    missing = [k for k in REQUIRED_METADATA if not metadata.get(k)]
    if missing:
        raise ValidationFailed.single(f"metadata.{missing[0]}", "This field is required.")
    collection = Collection.objects.select_related("library").filter(
        pk=int(metadata["collection"]) if metadata["collection"].isdigit() else -1
    )
    if not collection.exists():
        raise ValidationFailed.single("metadata.collection", "No such collection.", "unknown")
    permissions.require_staff_of(actor, collection.get().library, action="upload resources to")
    cleaned = clean_metadata(_resource_fields(metadata))
    services.check_uploads(cleaned["type"], [services.Upload(metadata["filename"], None)])
    limit = settings.RESOURCES_DELIVERY["UPLOAD_MAX_BYTES"]
    if length > limit:
        raise ValidationFailed.single("Upload-Length", f"At most {limit} bytes.", "too_large")


def _resource_fields(metadata: dict[str, str]) -> dict[str, str]:
    fields = {k: metadata[k] for k in ("type", "title", "subtype", "creator") if k in metadata}
    if metadata.get("extra"):
        fields["extra"] = json.loads(metadata["extra"])
    return fields


@csrf_exempt
def collection_endpoint(request: HttpRequest) -> HttpResponse:
    """OPTIONS (capabilities) and POST (creation)."""
    if request.method == "OPTIONS":
        return _response(
            204,
            Tus_Version=VERSION,
            Tus_Extension="creation,termination",
            Tus_Max_Size=str(settings.RESOURCES_DELIVERY["UPLOAD_MAX_BYTES"]),
        )
    if request.method != "POST":
        return _response(405, Allow="OPTIONS, POST")
    if request.headers.get("Tus-Resumable") != VERSION:
        return _response(412, Tus_Version=VERSION)
    actor = _authenticate(request)
    if actor is None:
        return _error(401, "Log in or send a bearer token to upload.")
    raw_length = request.headers.get("Upload-Length", "")
    if not raw_length.isdigit():
        return _error(400, "Upload-Length must be a whole number of bytes.")
    try:
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        _check_creation(actor, metadata, int(raw_length))
    except (ServiceError, json.JSONDecodeError) as exc:
        if isinstance(exc, ServiceError):
            return _error(exc.status, exc.message, [e.as_dict() for e in exc.errors])
        return _error(400, "metadata.extra is not valid JSON.")
    upload = Upload.objects.create(owner=actor, length=int(raw_length), metadata=metadata)
    part_path(upload).write_bytes(b"")
    location = request.build_absolute_uri(reverse("resources:tus_upload", args=[upload.pk]))
    return _response(201, Location=location, Upload_Offset="0")


@csrf_exempt
def upload_endpoint(request: HttpRequest, upload_id) -> HttpResponse:
    """HEAD (offset), PATCH (append) and DELETE (termination) of one upload."""
    if request.method == "OPTIONS":
        return _response(204, Tus_Version=VERSION, Tus_Extension="creation,termination")
    if request.headers.get("Tus-Resumable") != VERSION:
        return _response(412, Tus_Version=VERSION)
    actor = _authenticate(request)
    upload = Upload.objects.filter(pk=upload_id).first()
    if actor is None:
        return _error(401, "Log in or send a bearer token to upload.")
    if upload is None or upload.owner_id != actor.pk:
        return _response(404)
    if request.method == "HEAD":
        return _response(200, Upload_Offset=str(upload.offset), Upload_Length=str(upload.length))
    if request.method == "PATCH":
        return _append(request, upload)
    if request.method == "DELETE":
        part_path(upload).unlink(missing_ok=True)
        upload.delete()
        return _response(204)
    return _response(405, Allow="HEAD, PATCH, DELETE, OPTIONS")


def _append(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        return _response(415)
    offset = request.headers.get("Upload-Offset", "")
    if not offset.isdigit() or int(offset) != upload.offset:
        return _response(409, Upload_Offset=str(upload.offset))
    if upload.complete:
        return _response(204, Upload_Offset=str(upload.offset))
    written = _write_body(request, upload)
    moved = Upload.objects.filter(pk=upload.pk, offset=upload.offset).update(
        offset=upload.offset + written
    )
    if not moved:  # another PATCH got there first
        return _response(409)
    upload.offset += written
    headers = {"Upload_Offset": str(upload.offset)}
    if upload.complete:
        headers.update(_finish(upload))
    return _response(204, **headers)


def _write_body(request: HttpRequest, upload: Upload) -> int:
    """Append the body at the offset, never past Upload-Length; return the bytes kept."""
    room = upload.length - upload.offset
    written = 0
    with open(part_path(upload), "r+b") as part:
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
    return written


def _finish(upload: Upload) -> dict[str, str]:
    """Turn the complete upload into a draft resource; errors are kept on the upload."""
    metadata = upload.metadata
    collection = Collection.objects.select_related("library").get(pk=int(metadata["collection"]))
    path = part_path(upload)
    try:
        with open(path, "rb") as stream:
            resource = services.create_resource(
                _resource_fields(metadata),
                collection=collection,
                by=upload.owner,
                files=[services.Upload(metadata["filename"], stream)],
            )
    except ServiceError as exc:
        upload.error = str(exc)
        upload.save(update_fields=["error"])
        return {"X_Upload_Error": "1"}
    upload.resource = resource
    upload.save(update_fields=["resource"])
    path.unlink(missing_ok=True)
    return {"X_Resource_Id": str(resource.pk)}
