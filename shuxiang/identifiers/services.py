"""Identifier services: prefixes, registration by a library's own resources, maintenance.

Every function takes the actor (``by``), checks permission, validates all input before storing,
runs in one transaction and writes both the identifier's change history and the audit log. The
resolve table is updated in the same transaction, so a resolution never sees a half change.
The review workflow (apply, approve, reject) lives in ``workflow``.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.actors import Actor, actor_label
from shuxiang.core.errors import Conflict, NotFound, ValidationFailed
from shuxiang.identifiers import dedupe, hooks, names, records, validation
from shuxiang.identifiers.models import Change, Identifier, Prefix
from shuxiang.identifiers.permissions import (
    require_national_admin,
    require_registrar_of,
)
from shuxiang.network.models import Library

LIVE = (Identifier.Status.PENDING, Identifier.Status.ACTIVE)


def derived_prefix(library: Library) -> str:
    """The default sub-prefix: the library's division code, else its code (lower case)."""
    raw = library.division_id or library.code
    return "".join(c for c in raw.lower() if c.isalnum())[: names.MAX_SUBPREFIX]


def prefix_for(library: Library) -> Prefix:
    """The library's prefix, allocated from its division code on first use."""
    existing = Prefix.objects.filter(library=library).first()
    if existing:
        return existing
    value = derived_prefix(library)
    if Prefix.objects.filter(value=value).exists():
        raise Conflict.single(
            "prefix",
            _(
                "The prefix %(value)s derived for %(library)s is taken; ask the national center "
                "to allocate one."
            )
            % {"value": value, "library": library.name},
        )
    return Prefix.objects.create(library=library, value=value)


@transaction.atomic
def set_prefix(library: Library, value: str, *, by: Actor) -> Prefix:
    """Allocate or change a library's sub-prefix (national center only).

    Identifiers already registered keep their names: identifiers are persistent.
    """
    require_national_admin(by)
    value = names.clean_subprefix(value)
    hooks.guard_prefix(value)
    if Prefix.objects.filter(value=value).exclude(library=library).exists():
        raise Conflict.single("prefix", _("Another library holds the prefix %(v)s.") % {"v": value})
    prefix, _created = Prefix.objects.update_or_create(library=library, defaults={"value": value})
    audit.record(by, "identifiers.set_prefix", library, prefix=value)
    return prefix


def naming_prefix(library: Library) -> str:
    """The full prefix new identifiers of ``library`` get, once the prefix guards allow it."""
    value = prefix_for(library).value
    hooks.guard_prefix(value)
    return names.full_prefix(value)


def mint_names(library: Library, count: int) -> list[str]:
    """``count`` fresh names under ``library``'s prefix, unused at this moment (not reserved)."""
    prefix = naming_prefix(library)
    minted: set[str] = set()
    while len(minted) < count:
        batch = {f"{prefix}/{names.mint_suffix(prefix)}" for _ in range(count - len(minted))}
        minted |= batch - set(
            Identifier.objects.filter(name__in=batch).values_list("name", flat=True)
        )
    return sorted(minted)


def get_identifier(name: str, *, for_update: bool = False) -> Identifier:
    """The identifier named ``name`` (any case), or NotFound."""
    queryset = Identifier.objects.select_related("library")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(name=names.normalise(name)).first()
    if found is None:
        raise NotFound(_("No identifier is named %(name)s.") % {"name": name})
    return found


def new_identifier(library: Library, cleaned: validation.Cleaned, by: Actor, status: str):
    """Build (unsaved) an identifier under the library's prefix, minting when no suffix."""
    prefix = naming_prefix(library)
    suffix = cleaned.suffix or names.mint_suffix(prefix)
    similar = validation.similar_identifier(cleaned.metadata_key)
    return Identifier(
        name=f"{prefix}/{suffix}",
        prefix=prefix,
        suffix=suffix,
        library=library,
        status=status,
        resource_type=cleaned.resource_type,
        location=cleaned.location,
        metadata=cleaned.metadata,
        rights=cleaned.rights,
        fingerprint=cleaned.fingerprint,
        metadata_key=cleaned.metadata_key,
        similar_to=similar,
        registered_by=_user(by),
        registered_label=actor_label(by),
    )


def store_new(identifier: Identifier) -> Identifier:
    """Insert ``identifier`` and its resolve row; a name clash becomes a Conflict."""
    try:
        with transaction.atomic():
            identifier.save()
    except IntegrityError:
        if Identifier.objects.filter(name=identifier.name).exists():
            raise Conflict.single(
                "suffix", _("%(name)s is already registered.") % {"name": identifier.name}, "taken"
            ) from None
        validation.refuse_fingerprint_duplicate(identifier.fingerprint)
        raise
    records.sync(identifier)
    return identifier


@transaction.atomic
def register_for_resource(
    *,
    library: Library,
    location: str,
    metadata: dict,
    rights: str,
    fingerprint: str | None,
    by: Actor,
    suffix: str | None = None,
    resource_type: str = "",
) -> Identifier:
    """Register (active at once) a resource ``library`` published itself on this node.

    When the same library already holds a live identifier with this fingerprint, that
    identifier's location and metadata are updated instead and it is returned.
    """
    require_registrar_of(by, library, action=_("register identifiers for"))
    cleaned = validation.clean(
        location=location,
        metadata=metadata,
        rights=rights,
        fingerprint=fingerprint,
        resource_type=resource_type,
        suffix=suffix,
    )
    if cleaned.fingerprint:
        mine = Identifier.objects.filter(
            fingerprint=cleaned.fingerprint, library=library, status__in=LIVE
        ).first()
        if mine is not None:
            mine.metadata_key = cleaned.metadata_key
            return _apply_changes(
                mine, by, "update", location=cleaned.location, metadata=cleaned.metadata
            )
        validation.refuse_fingerprint_duplicate(cleaned.fingerprint)
    identifier = new_identifier(library, cleaned, by, Identifier.Status.ACTIVE)
    identifier.decided_at = timezone.now()
    store_new(identifier)
    audit.record(by, "identifiers.register", identifier, name=identifier.name)
    return identifier


def update_location(
    name: str, *, location: str, by: Actor, metadata: dict | None = None, check: bool = False
) -> Identifier:
    """Point ``name`` at a new location (and optionally replace its metadata record).

    ``check=True`` (the web pages and API) first verifies the new address answers — before
    any transaction starts, so no row is locked while waiting on another server.
    """
    if check:
        identifier = get_identifier(name)
        require_registrar_of(by, identifier.library, action=_("change this identifier"))
        _require_not_withdrawn(identifier)
        validation.check_served(validation.clean_location(location))
    return _update_location(name, location=location, by=by, metadata=metadata)


@transaction.atomic
def _update_location(name: str, *, location: str, by: Actor, metadata: dict | None) -> Identifier:
    identifier = get_identifier(name, for_update=True)
    require_registrar_of(by, identifier.library, action=_("change identifiers of"))
    _require_not_withdrawn(identifier)
    location = validation.clean_location(location)
    fields = {"location": location}
    if metadata is not None:
        fields["metadata"] = validation.clean_metadata(metadata)
        identifier.metadata_key = dedupe.metadata_key(fields["metadata"])
    return _apply_changes(identifier, by, "update", **fields)


@transaction.atomic
def set_mirrors(name: str, *, mirrors: list[dict], by: Actor) -> Identifier:
    """Replace the mirror locations (``[{"url", "node"}]``) served besides the primary one."""
    identifier = get_identifier(name, for_update=True)
    require_registrar_of(by, identifier.library, action=_("change identifiers of"))
    _require_not_withdrawn(identifier)
    cleaned = []
    for index, mirror in enumerate(mirrors or []):
        url = validation.clean_location(str(mirror.get("url", "")), f"mirrors[{index}].url")
        node = str(mirror.get("node", "") or "").strip()[:100] or "mirror"
        cleaned.append({"url": url, "node": node})
    return _apply_changes(identifier, by, "mirrors", mirrors=cleaned)


@transaction.atomic
def withdraw(name: str, *, by: Actor, reason: str) -> Identifier:
    """Withdraw ``name``: it answers 410 with a tombstone page from now on, never 404."""
    if not (reason or "").strip():
        raise ValidationFailed.single(
            "reason", _("Say why the identifier is withdrawn."), "required"
        )
    identifier = get_identifier(name, for_update=True)
    require_registrar_of(by, identifier.library, action=_("withdraw identifiers of"))
    _require_not_withdrawn(identifier)
    return _apply_changes(
        identifier,
        by,
        "withdraw",
        status=Identifier.Status.WITHDRAWN,
        decision_reason=reason.strip(),
    )


@transaction.atomic
def transfer(name: str, *, to: Library, by: Actor) -> Identifier:
    """Hand ``name`` to another library; ``by`` must be staff of both (or above both)."""
    identifier = get_identifier(name, for_update=True)
    require_registrar_of(by, identifier.library, action=_("transfer identifiers of"))
    require_registrar_of(by, to, action=_("transfer identifiers to"))
    if to.status != Library.Status.ACTIVE:
        raise ValidationFailed.single("to", _("%(name)s is not active.") % {"name": to.name})
    if to.pk == identifier.library_id:
        raise ValidationFailed.single("to", _("The identifier already belongs to that library."))
    identifier.library = to
    changed = _apply_changes(identifier, by, "transfer", library_id=to.pk)
    return changed


def history(name: str) -> list[dict]:
    """Every event of ``name``, oldest first: registration, then each recorded change."""
    identifier = get_identifier(name)
    first = {
        "at": identifier.created_at,
        "actor": identifier.registered_label,
        "action": "register",
        "changes": {},
    }
    rows = [
        {"at": c.at, "actor": c.actor_label, "action": c.action, "changes": c.changes}
        for c in identifier.changes.all()
    ]
    return [first, *rows]


def _apply_changes(identifier: Identifier, by: Actor, action: str, **fields) -> Identifier:
    """Set ``fields``, record what changed (old → new), bump the version, resync."""
    changes = {}
    for field, new in fields.items():
        old = getattr(identifier, field)
        if field == "library_id":
            old = Identifier.objects.filter(pk=identifier.pk).values_list("library_id", flat=True)[
                0
            ]
        if old != new:
            changes[field] = [old, new]
            setattr(identifier, field, new)
    if not changes:
        return identifier
    identifier.version += 1
    identifier.save()
    Change.objects.create(
        identifier=identifier,
        actor=_user(by),
        actor_label=actor_label(by),
        action=action,
        changes=_jsonable(changes),
    )
    records.sync(identifier)
    audit.record(
        by, f"identifiers.{action}", identifier, name=identifier.name, fields=sorted(changes)
    )
    return identifier


def _jsonable(changes: dict) -> dict:
    out = {}
    for field, (old, new) in changes.items():
        if field == "library_id":
            codes = dict(Library.objects.filter(pk__in=[old, new]).values_list("pk", "code"))
            out["library"] = [codes.get(old), codes.get(new)]
        else:
            out[field] = [old, new]
    return out


def _require_not_withdrawn(identifier: Identifier) -> None:
    if identifier.status == Identifier.Status.WITHDRAWN:
        raise Conflict.single(
            "status", _("%(name)s is withdrawn.") % {"name": identifier.name}, "withdrawn"
        )


def _user(actor: Actor):
    return actor if getattr(actor, "pk", None) else None
