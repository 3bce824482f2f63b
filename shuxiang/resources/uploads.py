"""Resumable uploads (断点续传) on the server side: finishing, recovery and expiry.

The tus front end (``tus.py``) appends bytes to ``DATA_DIR/uploads/<id>.part``. Finishing turns
a complete upload into a draft resource and may be repeated after a kill at any instant:

1. the part file is moved (or copied) to a storage key fixed by the upload's id, so a repeat
   replaces rather than duplicates; when a killed attempt already moved it, the stored copy
   is used;
2. the resource's rows and ``Upload.finished_at`` commit in one transaction: an upload is never
   finished without its resource, and a repeat that finds it finished stops;
3. the part file is removed last (a leftover is swept).

A complete upload that is neither finished nor failed is finished by the next request for it,
by the pass that ``serve`` runs at start, and by the periodic sweep. The sweep also removes
uploads idle longer than ``UPLOAD_EXPIRY_HOURS`` (the tus expiration extension) with their
files, and part files no live upload owns.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ServiceError, ValidationFailed
from shuxiang.resources import permissions, services
from shuxiang.resources.models import Collection, Upload
from shuxiang.resources.storage import Stored, get_storage
from shuxiang.resources.validation import clean_metadata

log = logging.getLogger(__name__)
DIGITS = re.compile(r"[0-9]+")
# Other apps reuse the resumable upload for files that are not resources (a campaign's
# recordings): ``register_purpose(name, check, finish)`` with dotted paths, in AppConfig.ready.
# An upload whose metadata names a purpose skips the resource checks: ``check(actor, metadata,
# length)`` runs at creation, ``finish(upload, part_path) -> location`` when the last byte is
# in (it may run twice after a kill, so it must be idempotent); the location is kept in the
# upload's metadata as ``result`` and sent back in ``X-Upload-Location``.
PURPOSES: dict[str, tuple[str, str]] = {}


def register_purpose(name: str, check: str, finish: str) -> None:
    PURPOSES[name] = (check, finish)


def purpose_of(metadata: dict[str, str]) -> tuple | None:
    """(check, finish) callables of the upload's purpose; None for a resource upload."""
    from django.utils.module_loading import import_string

    name = metadata.get("purpose", "")
    if not name:
        return None
    if name not in PURPOSES:
        raise ValidationFailed.single("metadata.purpose", _("No such upload purpose."), "unknown")
    return tuple(import_string(path) for path in PURPOSES[name])


def folder() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def part_path(upload: Upload) -> Path:
    return folder() / f"{upload.pk}.part"


def lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.RESOURCES_DELIVERY.get("UPLOAD_EXPIRY_HOURS", 24))


def expires_at(upload: Upload) -> datetime.datetime | None:
    """When an unfinished upload is removed unless more bytes arrive (None once complete)."""
    if upload.complete:
        return None
    return (upload.updated_at or timezone.now()) + lifetime()


def expired(upload: Upload) -> bool:
    moment = expires_at(upload)
    return moment is not None and moment <= timezone.now()


def resource_fields(metadata: dict[str, str]) -> dict:
    """The resource fields carried in an upload's metadata (``extra`` is a JSON object)."""
    fields: dict = {
        k: metadata[k] for k in ("type", "title", "subtype", "creator") if k in metadata
    }
    if metadata.get("extra"):
        try:
            extra = json.loads(metadata["extra"])
        except json.JSONDecodeError:
            extra = None
        if not isinstance(extra, dict):
            raise ValidationFailed.single("metadata.extra", _("Give a JSON object."), "invalid")
        fields["extra"] = extra
    return fields


def whole_number(text: str, max_digits: int = 18) -> int | None:
    """``text`` as a whole number when it is ASCII digits only (not "²" or "٣"), else None."""
    return int(text) if DIGITS.fullmatch(text) and len(text) <= max_digits else None


def collection_of(metadata: dict[str, str]) -> Collection:
    pk = whole_number(str(metadata.get("collection", "")))
    collection = None
    if pk is not None:
        collection = Collection.objects.select_related("library").filter(pk=pk).first()
    if collection is None:
        raise ValidationFailed.single("metadata.collection", _("No such collection."), "unknown")
    return collection


def finish(upload: Upload) -> Upload:
    """Make the draft resource of a complete upload (idempotent; see the module docstring).

    A refusal (metadata no longer valid, a duplicate file, permission gone) is kept on the
    upload and its files are removed; other failures (storage down) leave it to finish later.
    """
    upload = Upload.objects.select_related("owner").get(pk=upload.pk)
    if not upload.pending:
        return upload
    if upload.metadata.get("purpose"):
        return _finish_for_purpose(upload)
    try:
        collection = collection_of(upload.metadata)
        permissions.require_staff_of(upload.owner, collection.library, action=_("add resources"))
        cleaned = clean_metadata(resource_fields(upload.metadata))
        item = services.Upload(upload.metadata["filename"], None)
        services.check_uploads(cleaned["type"], [item])
        stored = _store(upload, collection, item)
        with transaction.atomic():
            locked = Upload.objects.select_for_update().get(pk=upload.pk)
            if not locked.pending:
                return locked
            locked.resource = services.create_records(
                cleaned, collection, upload.owner, [(item, stored)]
            )
            locked.finished_at = timezone.now()
            locked.save(update_fields=["resource", "finished_at", "updated_at"])
    except (ServiceError, IntegrityError) as exc:
        return _refused(upload, exc)
    part_path(upload).unlink(missing_ok=True)
    return locked


def _finish_for_purpose(upload: Upload) -> Upload:
    try:
        location = purpose_of(upload.metadata)[1](upload, part_path(upload))
    except ServiceError as exc:
        return _refused(upload, exc)
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if not locked.pending:
            return locked
        locked.metadata = {**locked.metadata, "result": location}
        locked.finished_at = timezone.now()
        locked.save(update_fields=["metadata", "finished_at", "updated_at"])
    part_path(upload).unlink(missing_ok=True)
    return locked


def _store(upload: Upload, collection: Collection, item: services.Upload) -> Stored:
    """Move the part file to the upload's own key, or find it there after a killed attempt."""
    key = services.file_key(collection.library, f"upload-{upload.pk.hex}", 0, item.filename)
    part, storage = part_path(upload), get_storage()
    try:
        if part.stat().st_size == upload.length:
            return storage.save_file(key, part)
    except FileNotFoundError:  # moved by an earlier (killed or concurrent) attempt
        if storage.exists(key):
            return Stored(key, storage.size(key), storage.sha256(key))
    message = _("The uploaded bytes were lost; upload the file again.")
    raise ServiceError(message, [FieldError("file", message, "lost")])


def _refused(upload: Upload, exc: Exception) -> Upload:
    current = Upload.objects.get(pk=upload.pk)
    if not current.pending:  # a concurrent attempt finished it: nothing was refused
        return current
    if not isinstance(exc, ServiceError):
        raise exc
    Upload.objects.filter(pk=upload.pk, finished_at__isnull=True).update(
        error=str(exc)[:2000], updated_at=timezone.now()
    )
    discard_files(upload)
    current.refresh_from_db()
    return current


def discard_files(upload: Upload) -> None:
    """Remove an upload's part file and any stored copy no resource refers to."""
    part_path(upload).unlink(missing_ok=True)
    try:
        code = collection_of(upload.metadata).library.code
    except ServiceError:
        return
    prefix = f"resources/{code}/upload-{upload.pk.hex}/"
    services.discard_keys(list(get_storage().keys(prefix)))


def terminate(upload: Upload) -> None:
    """Remove an upload (tus termination or expiry): the row first, then its files."""
    Upload.objects.filter(pk=upload.pk).delete()
    if upload.finished_at is None:
        discard_files(upload)


def finish_pending() -> int:
    """Finish every complete upload left unfinished (by a kill); return how many were tried."""
    pending = Upload.objects.filter(
        offset__gte=F("length"), finished_at__isnull=True, error=""
    ).order_by("updated_at")
    tried = 0
    for upload in pending:
        tried += 1
        try:
            finish(upload)
        except Exception:  # storage or database trouble: the next pass tries again
            log.exception("finishing upload %s failed; it stays pending", upload.pk)
    return tried


def expire() -> int:
    """Remove uploads idle past their expiry (unfinished) or kept past it (done); and strays."""
    cutoff = timezone.now() - lifetime()
    stale = Upload.objects.filter(updated_at__lt=cutoff).filter(
        Q(offset__lt=F("length")) | Q(finished_at__isnull=False) | ~Q(error="")
    )
    removed = 0
    for upload in stale:
        terminate(upload)
        removed += 1
    live = Upload.objects.filter(finished_at__isnull=True, error="").values_list("pk", flat=True)
    owned = {str(pk) for pk in live}
    for path in folder().glob("*.part"):
        if path.stem not in owned and _is_uuid(path.stem):
            path.unlink(missing_ok=True)
    return removed


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def sweep() -> dict[str, int]:
    """The recovery pass: finish what a kill interrupted, then remove what expired."""
    return {"finished": finish_pending(), "expired": expire()}


def sweep_in_background() -> threading.Thread:
    """Run ``sweep`` once on a thread of its own (at server start; serving does not wait)."""

    def run() -> None:
        try:
            close_old_connections()
            result = sweep()
            log.info("upload recovery at start: %s", result)
        except Exception:
            log.exception("upload recovery at start failed")
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="upload-recovery", daemon=True)
    thread.start()
    return thread
