"""Registering harvest sources and running harvests and imports for them (actor explicit)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog import marc
from shuxiang.catalog.models import Source
from shuxiang.catalog.oai import harvester
from shuxiang.catalog.permissions import require_source_manager
from shuxiang.core import audit
from shuxiang.core.actors import Actor
from shuxiang.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from shuxiang.network.models import Library

PREFIXES = ("oai_dc", "shuxiang", "marc21")


def _library(code: str | None, errors: list[FieldError]) -> Library | None:
    if not code:
        return None
    library = Library.objects.filter(code=str(code).upper()).first()
    if library is None:
        errors.append(FieldError("library", _("No library has the code %s.") % code, "unknown"))
    return library


@transaction.atomic
def register_source(data: Mapping[str, Any], *, by: Actor) -> Source:
    """Register an OAI-PMH endpoint or a MARC source; every bad field is named."""
    errors: list[FieldError] = []
    key = str(data.get("key") or "").strip()
    try:
        validate_slug(key)
    except Exception:
        errors.append(FieldError("key", _("Use letters, digits, hyphens and underscores.")))
    kind = data.get("kind") or Source.Kind.OAI
    if kind not in (Source.Kind.OAI, Source.Kind.MARC):
        errors.append(
            FieldError("kind", _("A source is an OAI-PMH endpoint or a MARC file."), "choice")
        )
    base_url = str(data.get("base_url") or "").strip()
    if kind == Source.Kind.OAI:
        try:
            URLValidator(schemes=["http", "https"])(base_url)
        except Exception:
            errors.append(
                FieldError("base_url", _("Give the http(s) address of the OAI-PMH endpoint."))
            )
    prefix = data.get("metadata_prefix") or "oai_dc"
    if prefix not in PREFIXES:
        errors.append(
            FieldError("metadata_prefix", _("Harvest one of: %s.") % ", ".join(PREFIXES), "choice")
        )
    library = _library(data.get("library"), errors)
    if errors:
        raise ValidationFailed(_("The source cannot be registered."), errors)
    require_source_manager(by, library, action=_("register sources for"))
    if Source.objects.filter(key=key).exists():
        raise Conflict.single(
            "key", _("A source with the key %s exists already.") % key, "duplicate"
        )
    source = Source.objects.create(
        key=key,
        name=str(data.get("name") or key)[:200],
        kind=kind,
        base_url=base_url,
        metadata_prefix=prefix,
        set_spec=str(data.get("set_spec") or ""),
        library=library,
        harvest_every_hours=int(data.get("harvest_every_hours") or 24),
    )
    audit.record(by, "catalog.register_source", source, key=key)
    return source


def get_source(key: str) -> Source:
    source = Source.objects.select_related("library").filter(key=key).first()
    if source is None:
        raise NotFound(_("No source has the key %s.") % key)
    return source


def harvest_source(key: str, *, by: Actor, max_pages: int | None = None) -> harvester.HarvestReport:
    """Harvest one registered OAI-PMH source now."""
    source = get_source(key)
    require_source_manager(by, source.library, action=_("harvest"))
    if source.kind != Source.Kind.OAI:
        raise ValidationFailed.single("source", _("%s is not an OAI-PMH source.") % key)
    report = harvester.harvest(source, max_pages=max_pages)
    audit.record(by, "catalog.harvest", source, stored=report.stored, failed=report.failed)
    return report


def import_marc(
    path: Path,
    *,
    source_key: str,
    by: Actor,
    library: str | None = None,
    flavor: str = "auto",
    progress: bool = False,
) -> marc.ImportReport:
    """Import a MARC file into the MARC source ``source_key`` (created when new)."""
    errors: list[FieldError] = []
    if not Path(path).is_file():
        errors.append(FieldError("path", _("No file at %s.") % path, "missing"))
    if flavor not in ("auto", "marc21", "unimarc"):
        errors.append(FieldError("flavor", _("Use auto, marc21 or unimarc."), "choice"))
    owner = _library(library, errors)
    if errors:
        raise ValidationFailed(_("The import cannot start."), errors)
    source = Source.objects.filter(key=source_key).first()
    if source is None:
        source = register_source({"key": source_key, "kind": "marc", "library": library}, by=by)
    require_source_manager(by, source.library or owner, action=_("import records into"))
    report = marc.import_file(Path(path), source=source, by=by, flavor=flavor, progress=progress)
    audit.record(by, "catalog.marc_import", source, stored=report.stored, failed=report.failed)
    return report
