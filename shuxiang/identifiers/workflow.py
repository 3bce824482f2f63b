"""The registration workflow: provincial and city libraries apply, reviewers above decide.

Eligibility (seed 001): a self-built resource, under the library's own copyright, already served
online. The applicant declares the first two; the served URL is checked to answer before the
application is stored. A metadata match with a live identifier is flagged for the reviewer.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.actors import Actor, actor_label
from shuxiang.core.errors import Conflict, FieldError, ValidationFailed
from shuxiang.identifiers import services, validation
from shuxiang.identifiers.models import Change, Identifier
from shuxiang.identifiers.permissions import (
    APPLYING_LEVELS,
    require_registrar_of,
    require_reviewer_for,
)
from shuxiang.network.models import Library


def apply(
    *,
    library: Library,
    location: str,
    metadata: dict,
    rights: str,
    fingerprint: str | None,
    by: Actor,
    self_built: bool,
    own_copyright: bool,
    suffix: str | None = None,
    resource_type: str = "",
) -> Identifier:
    """Apply for an identifier; stored as pending once every check passes."""
    require_registrar_of(by, library, action=_("apply for identifiers for"))
    _check_eligible(library, self_built, own_copyright)
    cleaned = validation.clean(
        location=location,
        metadata=metadata,
        rights=rights,
        fingerprint=fingerprint,
        resource_type=resource_type,
        suffix=suffix,
    )
    validation.refuse_fingerprint_duplicate(cleaned.fingerprint)
    validation.check_served(cleaned.location)  # network I/O before the transaction
    return _store_application(library, cleaned, by)


@transaction.atomic
def _store_application(library: Library, cleaned: validation.Cleaned, by: Actor) -> Identifier:
    identifier = services.new_identifier(library, cleaned, by, Identifier.Status.PENDING)
    services.store_new(identifier)
    audit.record(by, "identifiers.apply", identifier, name=identifier.name)
    return identifier


def _check_eligible(library: Library, self_built: bool, own_copyright: bool) -> None:
    errors = []
    if library.level not in APPLYING_LEVELS:
        errors.append(
            FieldError(
                "library",
                _(
                    "Only the national center, provincial and city libraries apply; %(name)s is "
                    "a %(level)s library."
                )
                % {"name": library.name, "level": library.get_level_display()},
                "not_eligible",
            )
        )
    if library.status != Library.Status.ACTIVE:
        errors.append(FieldError("library", _("%(name)s is not active.") % {"name": library.name}))
    if not self_built:
        errors.append(
            FieldError("self_built", _("Only self-built resources are eligible."), "not_eligible")
        )
    if not own_copyright:
        errors.append(
            FieldError(
                "own_copyright",
                _("Only resources under the library's own copyright are eligible."),
                "not_eligible",
            )
        )
    if errors:
        raise ValidationFailed(_("The resource is not eligible for an identifier."), errors)


def _pending(name: str, by: Actor) -> Identifier:
    identifier = services.get_identifier(name, for_update=True)
    require_reviewer_for(by, identifier.library)
    if identifier.status != Identifier.Status.PENDING:
        raise Conflict.single(
            "status",
            _("%(name)s is not waiting for review.") % {"name": identifier.name},
            "wrong_state",
        )
    return identifier


@transaction.atomic
def approve(name: str, *, by: Actor, reason: str = "") -> Identifier:
    """Approve a pending application: the identifier starts resolving."""
    identifier = _pending(name, by)
    return _decide(identifier, Identifier.Status.ACTIVE, by, reason.strip(), "approve")


@transaction.atomic
def reject(name: str, *, by: Actor, reason: str) -> Identifier:
    """Reject a pending application; the reason is required and kept."""
    if not (reason or "").strip():
        raise ValidationFailed.single("reason", _("Give the applicant a reason."), "required")
    identifier = _pending(name, by)
    return _decide(identifier, Identifier.Status.REJECTED, by, reason.strip(), "reject")


def _decide(identifier: Identifier, status: str, by: Actor, reason: str, action: str):
    old = identifier.status
    identifier.status = status
    identifier.decided_at = timezone.now()
    identifier.decision_reason = reason
    identifier.version += 1
    identifier.save()
    Change.objects.create(
        identifier=identifier,
        actor=services._user(by),
        actor_label=actor_label(by),
        action=action,
        changes={"status": [old, status], **({"reason": [None, reason]} if reason else {})},
    )
    services.records.sync(identifier)
    audit.record(by, f"identifiers.{action}", identifier, name=identifier.name, reason=reason)
    return identifier


@transaction.atomic
def dismiss_duplicate_flag(name: str, *, by: Actor, reason: str = "") -> Identifier:
    """A reviewer judged a metadata match not to be the same resource: clear the flag."""
    identifier = services.get_identifier(name, for_update=True)
    require_reviewer_for(by, identifier.library)
    if identifier.similar_to_id is None:
        raise Conflict.single(
            "similar_to", _("%(name)s is not flagged.") % {"name": identifier.name}, "wrong_state"
        )
    old = identifier.similar_to.name
    identifier.similar_to = None
    identifier.save(update_fields=["similar_to", "updated_at"])
    Change.objects.create(
        identifier=identifier,
        actor=services._user(by),
        actor_label=actor_label(by),
        action="dismiss_flag",
        changes={"similar_to": [old, None], **({"reason": [None, reason]} if reason else {})},
    )
    audit.record(by, "identifiers.dismiss_flag", identifier, name=identifier.name)
    return identifier
