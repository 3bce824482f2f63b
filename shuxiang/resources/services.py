"""Resource services: collections, resources with their originals, and the publishing workflow.

Every function takes the actor (``by``), checks permission, validates all input before storing
anything, runs its database work in one transaction, writes an audit row, and defers side
effects (derivatives, identifier registration) until after commit.
"""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.actors import Actor, is_system
from shuxiang.core.errors import Conflict, FieldError, ValidationFailed
from shuxiang.network.models import Library
from shuxiang.resources import catalog_sync, permissions, pid, tasks
from shuxiang.resources.models import Collection, Resource, ResourceFile
from shuxiang.resources.storage import Stored, get_storage
from shuxiang.resources.types import TYPES, accepts
from shuxiang.resources.validation import clean_metadata

mimetypes.add_type("application/epub+zip", ".epub")
mimetypes.add_type("text/vtt", ".vtt")
mimetypes.add_type("audio/ogg", ".ogg")
mimetypes.add_type("video/webm", ".webm")


@dataclass
class Upload:
    """An original to store: its name, an open binary stream, and optionally its type."""

    filename: str
    stream: BinaryIO
    content_type: str = ""

    def guessed_type(self) -> str:
        guessed = mimetypes.guess_type(self.filename)[0]
        return self.content_type or guessed or "application/octet-stream"


def person_or_none(actor: Actor):
    """The user behind ``actor`` (None for the system)."""
    return None if is_system(actor) or not getattr(actor, "pk", None) else actor


@transaction.atomic
def create_collection(
    library: Library, code: str, name: str, *, kind: str, by: Actor, description: str = ""
) -> Collection:
    """Create a repository of ``library``; a central one needs an administrator."""
    if kind == Collection.Kind.CENTRAL:
        permissions.require_admin_of(by, library, action=_("create a central repository of"))
    else:
        permissions.require_staff_of(by, library, action=_("create a repository at"))
    errors = []
    if kind not in Collection.Kind.values:
        errors.append(("kind", _("Choose central or independent.")))
    if not slugify(code) or slugify(code) != code:
        errors.append(("code", _("Use lower-case letters, digits and hyphens.")))
    if not name.strip():
        errors.append(("name", _("This field is required.")))
    if errors:
        raise _many(errors)
    if Collection.objects.filter(library=library, code=code).exists():
        raise Conflict.single("code", _("This library already has a repository with that code."))
    collection = Collection.objects.create(
        library=library, code=code, name=name.strip(), kind=kind, description=description
    )
    audit.record(by, "resources.create_collection", collection, code=code, kind=kind)
    return collection


def _many(errors: list[tuple[str, str]]) -> ValidationFailed:
    return ValidationFailed(_("The data is not valid."), [FieldError(f, r) for f, r in errors])


def check_uploads(type_code: str, uploads: list[Upload]) -> None:
    """Refuse (naming each file) originals the resource type cannot hold."""
    problems = []
    for index, item in enumerate(uploads):
        content_type = item.guessed_type()
        if type_code == "video" and content_type == "text/vtt":
            continue
        if not accepts(type_code, content_type):
            media = ", ".join(TYPES[type_code].media)
            problems.append(
                (
                    f"files.{index}",
                    _("%(name)s is %(type)s; a %(label)s takes %(media)s.")
                    % {
                        "name": item.filename,
                        "type": content_type,
                        "label": TYPES[type_code].label,
                        "media": media,
                    },
                )
            )
    if problems:
        raise _many(problems)


def _safe_name(filename: str) -> str:
    stem, _dot, ext = filename.rpartition(".")
    base = slugify(stem or ext, allow_unicode=False) or "file"
    return f"{base[:80]}.{ext.lower()[:10]}" if stem else base[:80]


def file_key(library: Library, batch: str, index: int, filename: str) -> str:
    """The storage key of the ``index``-th original stored by ``batch`` for ``library``."""
    return f"resources/{library.code}/{batch}/{index:04d}-{_safe_name(filename)}"


def store_uploads(
    library: Library, uploads: Iterable[Upload], *, batch: str = ""
) -> list[tuple[Upload, Stored]]:
    """Stream each upload into storage; return what was stored.

    Keys are fresh, or fixed by ``batch`` for work that may be repeated after a kill (a
    repeat then replaces what the killed attempt stored instead of leaving a second copy).
    """
    storage = get_storage()
    batch = batch or uuid.uuid4().hex
    stored = []
    try:
        for index, item in enumerate(uploads):
            key = file_key(library, batch, index, item.filename)
            stored.append((item, storage.save(key, item.stream)))
    except BaseException:
        discard(stored)
        raise
    return stored


def discard(stored: list[tuple[Upload, Stored]]) -> None:
    """Remove stored bytes that no record refers to (the call that stored them failed)."""
    discard_keys([result.key for _item, result in stored])


def discard_keys(keys: list[str]) -> None:
    """Delete these storage keys, except any a file record refers to.

    A key fixed for repeatable work may belong to what an earlier attempt committed.
    """
    storage = get_storage()
    kept = set(ResourceFile.objects.filter(key__in=keys).values_list("key", flat=True))
    for key in keys:
        if key not in kept:
            storage.delete(key)


def duplicate_of(library: Library, fingerprint: str) -> Resource | None:
    """The library's resource whose first original has this SHA-256, if any."""
    return Resource.objects.filter(library=library, fingerprint=fingerprint).first()


def create_resource(
    data: Mapping[str, Any],
    *,
    collection: Collection,
    by: Actor,
    files: list[Upload] | None = None,
) -> Resource:
    """Create a draft resource in ``collection`` with its originals stored unchanged."""
    permissions.require_staff_of(by, collection.library, action=_("add resources to"))
    cleaned = clean_metadata(data)
    uploads = list(files or [])
    check_uploads(cleaned["type"], uploads)
    stored = store_uploads(collection.library, uploads)
    try:
        return create_records(cleaned, collection, by, stored)
    except BaseException:
        discard(stored)
        raise


@transaction.atomic
def create_records(
    cleaned: dict, collection: Collection, by: Actor, stored: list[tuple[Upload, Stored]]
) -> Resource:
    """The database half of ``create_resource``: rows for already stored, validated files."""
    fingerprint = stored[0][1].sha256 if stored else ""
    if fingerprint:
        existing = duplicate_of(collection.library, fingerprint)
        if existing is not None:
            raise Conflict.single(
                "files.0",
                _("This file is already stored as resource %(id)s (%(title)s).")
                % {"id": existing.pk, "title": existing.title},
                "duplicate",
            )
    resource = Resource(
        **cleaned,
        collection=collection,
        library=collection.library,
        fingerprint=fingerprint,
        created_by=person_or_none(by),
    )
    try:
        with transaction.atomic():
            resource.save()
    except IntegrityError:
        raise Conflict.single("files.0", _("This file is already stored."), "duplicate") from None
    _add_file_rows(resource, stored)
    audit.record(by, "resources.create", resource, title=resource.title, files=len(stored))
    tasks.schedule_derivatives(resource)
    return resource


def _add_file_rows(resource: Resource, stored: list[tuple[Upload, Stored]]) -> None:
    start = resource.files.filter(role=ResourceFile.Role.ORIGINAL).count()
    for offset, (item, result) in enumerate(stored):
        content_type = item.guessed_type()
        role = ResourceFile.Role.ORIGINAL
        if content_type == "text/vtt":
            role = ResourceFile.Role.SUBTITLES
        ResourceFile.objects.create(
            resource=resource,
            role=role,
            order=start + offset,
            key=result.key,
            filename=item.filename[:255],
            content_type=content_type,
            size=result.size,
            sha256=result.sha256,
        )


def add_files(resource: Resource, files: list[Upload], *, by: Actor) -> Resource:
    """Add originals to a resource that is not yet published."""
    permissions.require_staff_of(by, resource.library, action=_("add files to resources of"))
    _require_state(resource, {Resource.Status.DRAFT, Resource.Status.SUBMITTED}, "add files")
    check_uploads(resource.type, files)
    stored = store_uploads(resource.library, files)
    try:
        with transaction.atomic():
            _add_file_rows(resource, stored)
            if not resource.fingerprint and stored:
                resource.fingerprint = stored[0][1].sha256
                resource.save(update_fields=["fingerprint", "updated_at"])
            audit.record(by, "resources.add_files", resource, files=len(stored))
            tasks.schedule_derivatives(resource)
    except BaseException:
        discard(stored)
        raise
    return resource


def _require_state(resource: Resource, allowed: set[str], action: str) -> None:
    if resource.status not in allowed:
        raise Conflict.single(
            "status",
            _("A %(status)s resource cannot %(action)s.")
            % {"status": resource.get_status_display(), "action": action},
            "wrong_state",
        )


def _locked(resource: Resource) -> Resource:
    return Resource.objects.select_for_update().select_related("library").get(pk=resource.pk)


@transaction.atomic
def update_resource(resource: Resource, data: Mapping[str, Any], *, by: Actor) -> Resource:
    """Change metadata; a published resource's identifier record is updated after commit."""
    resource = _locked(resource)
    permissions.require_staff_of(by, resource.library, action=_("edit resources of"))
    cleaned = clean_metadata(data, current=resource)
    changed = sorted(k for k, v in cleaned.items() if getattr(resource, k) != v)
    for key, value in cleaned.items():
        setattr(resource, key, value)
    resource.save()
    audit.record(by, "resources.update", resource, fields=changed)
    if resource.status == Resource.Status.PUBLISHED:
        pid.register_after_commit(resource)
        catalog_sync.sync_after_commit(resource)
    return resource


def _transition(resource: Resource, by: Actor, action: str, target: str, **data: Any) -> Resource:
    previous = resource.status
    resource.status = target
    if target == Resource.Status.PUBLISHED:
        resource.published_at = timezone.now()
    resource.save()
    audit.record(by, f"resources.{action}", resource, previous=previous, status=target, **data)
    return resource


@transaction.atomic
def submit(resource: Resource, *, by: Actor) -> Resource:
    """A librarian submits a draft for review; it needs at least one original file."""
    resource = _locked(resource)
    permissions.require_staff_of(by, resource.library, action=_("submit resources of"))
    _require_state(resource, {Resource.Status.DRAFT}, _("be submitted"))
    if not resource.files.filter(role=ResourceFile.Role.ORIGINAL).exists():
        raise ValidationFailed.single(
            "files", _("Add the resource's file before submitting it."), "required"
        )
    return _transition(resource, by, "submit", Resource.Status.SUBMITTED)


@transaction.atomic
def publish(resource: Resource, *, by: Actor) -> Resource:
    """An administrator publishes a submitted (or re-publishes a withdrawn) resource."""
    resource = _locked(resource)
    permissions.require_admin_of(by, resource.library, action=_("publish resources of"))
    allowed = {Resource.Status.SUBMITTED, Resource.Status.WITHDRAWN}
    _require_state(resource, allowed, _("be published"))
    resource = _transition(resource, by, "publish", Resource.Status.PUBLISHED)
    pid.register_after_commit(resource)
    catalog_sync.sync_after_commit(resource)
    return resource


@transaction.atomic
def return_to_draft(resource: Resource, *, by: Actor, reason: str) -> Resource:
    """An administrator sends a submitted resource back to its librarian with a reason."""
    resource = _locked(resource)
    permissions.require_admin_of(by, resource.library, action=_("review resources of"))
    _require_state(resource, {Resource.Status.SUBMITTED}, _("be sent back"))
    _require_reason(reason)
    return _transition(resource, by, "return", Resource.Status.DRAFT, reason=reason.strip())


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationFailed.single("reason", _("Give the reason."), "required")


@transaction.atomic
def withdraw(resource: Resource, *, by: Actor, reason: str) -> Resource:
    """An administrator withdraws a published resource; its identifier keeps a tombstone."""
    resource = _locked(resource)
    permissions.require_admin_of(by, resource.library, action=_("withdraw resources of"))
    _require_state(resource, {Resource.Status.PUBLISHED}, _("be withdrawn"))
    _require_reason(reason)
    resource = _transition(resource, by, "withdraw", Resource.Status.WITHDRAWN, reason=reason)
    pid.withdraw_after_commit(resource, reason.strip())
    catalog_sync.sync_after_commit(resource)
    return resource
