"""Library network services: create, admit, update and move libraries (one transaction each).

Every function takes the acting person (``by``), checks their permission, validates the whole
input before storing anything, and writes an audit row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.actors import Actor
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuxiang.network import scopes
from shuxiang.network.addresses import replace_domains, replace_ip_ranges
from shuxiang.network.models import PATH_SEPARATOR, Admission, Library
from shuxiang.network.validation import (
    Collector,
    check_division_inside,
    check_placement,
    clean_fields,
)

RELATIONS = ("ip_ranges", "domains")


def path_for(code: str, parent: Library | None) -> str:
    """The materialized path of a library with ``code`` under ``parent``."""
    prefix = parent.path if parent else PATH_SEPARATOR
    return f"{prefix}{code}{PATH_SEPARATOR}"


def _validate_new(cleaned: dict[str, Any]) -> None:
    errors = Collector()
    if Library.objects.filter(code=cleaned["code"]).exists():
        errors.add(
            "code",
            _("A library with the code %(code)s already exists.") % {"code": cleaned["code"]},
            "duplicate",
        )
    parent = cleaned.get("parent")
    check_placement(cleaned["level"], parent, errors)
    check_division_inside(cleaned.get("division"), parent, errors)
    if parent is not None and parent.status != Library.Status.ACTIVE:
        errors.add("parent", _("%(name)s is not an active library.") % {"name": parent.name})
    errors.raise_if_any()


def _build(cleaned: dict[str, Any], status: str) -> Library:
    _validate_new(cleaned)
    fields = {k: v for k, v in cleaned.items() if k not in RELATIONS}
    library = Library(**fields, status=status)
    library.path = path_for(library.code, library.parent)
    library.depth = library.path.count(PATH_SEPARATOR) - 2
    library.save()
    replace_ip_ranges(library, cleaned.get("ip_ranges", []))
    replace_domains(library, cleaned.get("domains", []))
    return library


@transaction.atomic
def create_library(data: Mapping[str, Any], *, by: Actor) -> Library:
    """Create an active library below a parent that ``by`` administers."""
    cleaned = clean_fields(data, creating=True)
    parent = cleaned.get("parent")
    if parent is None:
        if not getattr(by, "is_superuser", False):
            raise PermissionDenied(_("Only the system can create the national root library."))
    else:
        scopes.require(by, parent, _("add libraries below"))
    library = _build(cleaned, Library.Status.ACTIVE)
    audit.record(by, "network.create_library", library, code=library.code)
    return library


@transaction.atomic
def apply_for_admission(data: Mapping[str, Any], *, by: Actor) -> Admission:
    """Record a library's application to join below its parent (status ``applying``)."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Log in to apply for admission."))
    cleaned = clean_fields(data, creating=True)
    if cleaned.get("parent") is None:
        raise ValidationFailed.single(
            "parent", _("Name the library you apply to join under."), "required"
        )
    library = _build(cleaned, Library.Status.APPLYING)
    admission = Admission.objects.create(library=library, applied_by=_user(by))
    audit.record(by, "network.apply", library, code=library.code)
    return admission


def _pending_admission(library: Library, by: Actor) -> Admission:
    if library.parent is None:
        raise Conflict.single("library", _("The national library is not admitted by anyone."))
    scopes.require(by, library.parent, _("decide admissions below"))
    admission = library.admissions.filter(outcome=Admission.Outcome.PENDING).first()
    if admission is None or library.status != Library.Status.APPLYING:
        raise Conflict.single(
            "status",
            _("%(name)s has no pending application.") % {"name": library.name},
            "wrong_state",
        )
    return admission


@transaction.atomic
def approve_admission(library: Library, *, by: Actor) -> Admission:
    """Admit an applying library; its parent's administrators (or an ancestor's) decide."""
    library = Library.objects.select_for_update().get(pk=library.pk)
    admission = _pending_admission(library, by)
    _decide(admission, Admission.Outcome.APPROVED, by, "")
    library.status = Library.Status.ACTIVE
    library.save(update_fields=["status", "updated_at"])
    audit.record(by, "network.approve", library, code=library.code)
    return admission


@transaction.atomic
def reject_admission(library: Library, *, by: Actor, reason: str) -> Admission:
    """Refuse an applying library; a reason is required and kept."""
    if not (reason or "").strip():
        raise ValidationFailed.single("reason", _("Give the applicant a reason."), "required")
    library = Library.objects.select_for_update().get(pk=library.pk)
    admission = _pending_admission(library, by)
    _decide(admission, Admission.Outcome.REJECTED, by, reason.strip())
    library.status = Library.Status.REJECTED
    library.save(update_fields=["status", "updated_at"])
    audit.record(by, "network.reject", library, code=library.code, reason=reason.strip())
    return admission


def _decide(admission: Admission, outcome: str, by: Actor, reason: str) -> None:
    admission.outcome = outcome
    admission.decided_by = _user(by)
    admission.decided_at = timezone.now()
    admission.reason = reason
    admission.save()


@transaction.atomic
def update_library(library: Library, data: Mapping[str, Any], *, by: Actor) -> Library:
    """Change a library's fields, ranges, domains or parent; ``by`` must administer it."""
    library = Library.objects.select_for_update().get(pk=library.pk)
    scopes.require(by, library, _("change"))
    cleaned = clean_fields(data, creating=False)
    new_parent = cleaned.get("parent", library.parent)
    errors = Collector()
    check_placement(cleaned.get("level", library.level), new_parent, errors)
    check_division_inside(cleaned.get("division", library.division), new_parent, errors)
    if "parent" in cleaned and new_parent != library.parent:
        _check_move(library, new_parent, by, errors)
    errors.raise_if_any()
    changed = sorted(cleaned)
    old_path = library.path
    for field, val in cleaned.items():
        if field not in RELATIONS:
            setattr(library, field, val)
    library.save()
    if "parent" in cleaned and library.path != path_for(library.code, new_parent):
        _move_subtree(library, old_path, path_for(library.code, new_parent))
    if "ip_ranges" in cleaned:
        replace_ip_ranges(library, cleaned["ip_ranges"])
    if "domains" in cleaned:
        replace_domains(library, cleaned["domains"])
    audit.record(by, "network.update_library", library, fields=changed)
    library.refresh_from_db()
    return library


@transaction.atomic
def set_status(library: Library, status: str, *, by: Actor) -> Library:
    """Suspend or reactivate an admitted library."""
    if status not in (Library.Status.ACTIVE, Library.Status.SUSPENDED):
        raise ValidationFailed.single("status", _("Choose active or suspended."))
    target = library.parent or library
    scopes.require(by, target, _("suspend or reactivate"))
    if library.status not in (Library.Status.ACTIVE, Library.Status.SUSPENDED):
        raise Conflict.single("status", _("Only admitted libraries can change status."))
    library.status = status
    library.save(update_fields=["status", "updated_at"])
    audit.record(by, "network.set_status", library, status=status)
    return library


def _check_move(library: Library, new_parent: Library | None, by: Actor, errors: Collector) -> None:
    if new_parent is None:
        errors.add("parent", _("Only the national library has no parent."), "required")
        return
    if new_parent.in_subtree_of(library):
        errors.add(
            "parent",
            _("%(parent)s lies below %(name)s; moving there would make a cycle.")
            % {"parent": new_parent.name, "name": library.name},
            "cycle",
        )
        return
    scopes.require(by, new_parent, _("move libraries below"))


def _move_subtree(library: Library, old_path: str, new_path: str) -> None:
    """Rewrite the paths of ``library`` and its subtree in one UPDATE."""
    depth_change = new_path.count(PATH_SEPARATOR) - old_path.count(PATH_SEPARATOR)
    Library.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )


def _user(actor: Actor):
    return actor if getattr(actor, "pk", None) else None
