"""Passing a received package on down the tree (转推): a province offers to its counties the very
bag it received from the national centre, and reports its subtree's deployments up.

After a pulled bag is imported (``receiving``), ``adopt`` records it as a version of a *relay*
package of the receiving library (``Package.origin`` = the package's external id): same number,
same bag folder, same tag manifest and the original signature (the bag is not rebuilt, so a
county verifies the national centre's signature). The province offers it like its own packages
(``deployments.push``); its offers carry its endorsement of the signing key (``keys.endorse``),
which the county trusts because it trusts its parent. Each change of a county's deployment is
sent up (job ``distribution.relay_up``, signed ``POST …/subtree``): the parent keeps the rows as
``RelayedDeployment`` below its own deployment to the province, so its deployments page counts
the whole subtree (the rows of deeper relays are passed on the same way).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import jobs
from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.distribution import bagcheck, keys
from shuxiang.distribution.models import (
    Deployment,
    Package,
    PackageVersion,
    RelayedDeployment,
    Transfer,
)
from shuxiang.network import scopes
from shuxiang.network.models import Library

UP = "distribution.relay_up"
FIELDS = ("offered", "held", "done_bytes", "total_bytes", "files_done", "files_total")
MAX_ROWS = 100_000


def _relay_package(row: Transfer) -> Package:
    package = Package.objects.filter(library=row.library, origin=row.external_id).first()
    if package is not None:
        return package
    code = re.sub(r"[^a-z0-9-]", "-", row.code.lower())[:64] or "package"
    if Package.objects.filter(library=row.library, code=code).exists():
        source = row.external_id.split(":")[1] if row.external_id.count(":") >= 2 else "in"
        code = re.sub(r"[^a-z0-9-]", "-", f"{source}-{row.code}".lower())[:64]
    return Package.objects.create(
        library=row.library, code=code, title=row.title or row.code, origin=row.external_id,
        description=_("Received from %(source)s and passed on unchanged.")
        % {"source": row.source.split("/packages/")[0]},
    )  # fmt: skip


@transaction.atomic
def adopt(row: Transfer) -> PackageVersion | None:
    """Record the imported bag of ``row`` as a version its library can offer further down;
    None for a delta whose base version this library never received whole or as a delta."""
    folder = Path(row.folder)
    report = bagcheck.check_structure(folder)
    package = _relay_package(row)
    base = None
    if row.base_number:
        base = package.versions.filter(number=row.base_number).order_by("base_version").first()
        if base is None:
            return None
    found = package.versions.filter(number=row.number, base_version=base).first()
    if found is not None:
        return found
    signature = base64.b64decode((folder / bagcheck.SIGNATURE).read_bytes().strip())
    return PackageVersion.objects.create(
        package=package, number=row.number, base_version=base, built_at=timezone.now(),
        bag_path=str(folder), payload_bytes=report.payload_bytes,
        file_count=len(report.payload), oxum=report.first("Payload-Oxum"),
        tagmanifest_sha256=row.tagmanifest_sha256, key_id=report.key_id,
        signature=base64.b64encode(signature).decode("ascii"),
        signer_key=keys.public_key_b64(report.key_id), state=PackageVersion.State.BUILT,
    )  # fmt: skip


def trusted_for(row: Transfer) -> dict:
    """The key the parent endorsed for this bag (when it passed on a bag it did not build)."""
    return keys.endorsed_key(row.offer.get("endorsement"), row.tagmanifest_sha256)


# --- reporting the subtree up ----------------------------------------------------------------


def subtree_rows(package: Package) -> list[dict]:
    """The deployments of a relay package here, and the rows relayed to this node below them."""
    out = []
    rows = Deployment.objects.filter(package=package).select_related("library", "version")
    for d in rows:
        parent = d.library.parent.code if d.library.parent_id else ""
        out.append({
            "code": d.library.code, "name": d.library.name, "level": d.library.level,
            "parent_code": parent, "state": d.state, "offered": d.version.number,
            "held": d.held, "done_bytes": d.done_bytes, "total_bytes": d.total_bytes,
            "files_done": d.files_done, "files_total": d.files_total, "reason": d.reason,
        })  # fmt: skip
        out += [_as_dict(r) for r in d.relayed.all()]
    return out


def _as_dict(r: RelayedDeployment) -> dict:
    return {
        "code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code,
        "state": r.state, "reason": r.reason, **{name: getattr(r, name) for name in FIELDS},
    }  # fmt: skip


def defer_up(package: Package) -> None:
    """Queue sending the subtree of ``package`` to the node it came from (after commit)."""
    jobs.defer(UP, {"package": package.pk}, library=package.library)


def up_job(job) -> None:
    """Job ``distribution.relay_up``: send the subtree rows with a signed request."""
    from shuxiang.federation.signing import peer_session

    package = Package.objects.filter(pk=job.payload["package"]).first()
    if package is None or not package.origin:
        raise jobs.Permanent("the package is gone or is not passed on")
    row = (
        Transfer.objects.filter(library=package.library, external_id=package.origin)
        .exclude(offer__report_url="")
        .order_by("-number", "-id")
        .first()
    )
    if row is None or not row.offer.get("signed"):
        return  # received from a drive or from a node that is no peer: nowhere to report
    url = row.offer["report_url"].rsplit("/", 1)[0] + "/subtree"
    reply = peer_session().post(url, json={"libraries": subtree_rows(package)})
    if reply.status_code >= 500:
        reply.raise_for_status()  # retried with backoff
    if reply.status_code >= 400:
        raise jobs.Permanent(f"the parent refused the subtree: {reply.text[:300]}")


def _clean_row(raw: Any, number: int) -> dict:
    if not isinstance(raw, Mapping):
        raise ValidationFailed.single(f"libraries.{number}", _("Expected an object."), "invalid")
    row = {k: raw.get(k) for k in ("code", "name", "level", "parent_code", "state", "reason")}
    errors = [
        FieldError(f"libraries.{number}.{k}", _("Give a short text."), "invalid")
        for k in ("code", "name", "level")
        if not isinstance(row[k], str) or not 0 < len(row[k]) <= (200 if k == "name" else 64)
    ]
    if row["state"] not in Deployment.State.values:
        errors.append(
            FieldError(f"libraries.{number}.state", _("Not a deployment state."), "choice")
        )
    for name in FIELDS:
        value = raw.get(name)
        if value is not None and (type(value) is not int or not 0 <= value < 2**62):
            reason = _("Give a whole number of at least 0.")
            errors.append(FieldError(f"libraries.{number}.{name}", reason, "number"))
        row[name] = value or (None if name in ("offered", "held") else 0)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), errors)
    row["parent_code"] = str(row["parent_code"] or "")[:64]
    row["reason"] = str(row["reason"] or "")[:2000]
    return row


@transaction.atomic
def store_subtree(via: Deployment, libraries: Any) -> int:
    """Keep the rows a child node reports for the libraries it reached (replacing its last
    report); the child's own library is its deployment ``via``, not a relayed row."""
    if not isinstance(libraries, list) or len(libraries) > MAX_ROWS:
        raise ValidationFailed.single("libraries", _("Give a list of libraries."), "invalid")
    rows = [_clean_row(raw, n) for n, raw in enumerate(libraries)]
    rows = [r for r in rows if r["code"] != via.library.code]
    RelayedDeployment.objects.filter(via=via).exclude(code__in=[r["code"] for r in rows]).delete()
    for row in rows:
        RelayedDeployment.objects.update_or_create(via=via, code=row.pop("code"), defaults=row)
    return len(rows)


# --- showing them -----------------------------------------------------------------------------


def merge(package: Package, within: Library, rows: list, newest: int | None) -> list:
    """The status rows with the libraries reached through child nodes: a library of this
    tree without a deployment here takes the relayed row; others are added after them."""
    below = Library.objects.filter(scopes.in_subtree("", within)).values_list("pk", flat=True)
    relayed = RelayedDeployment.objects.filter(via__package=package, via__library__in=below)
    at = {row.library.code: n for n, row in enumerate(rows)}
    extra = []
    for r in relayed.order_by("via__library__path", "parent_code", "code"):
        if r.code not in at:
            library = Library(code=r.code, name=r.name, level=r.level)
            extra.append(_row(package, library, r, newest))
        elif rows[at[r.code]].deployment is None:
            rows[at[r.code]] = _row(package, rows[at[r.code]].library, r, newest)
    return rows + extra


def _row(package: Package, library: Library, r: RelayedDeployment, newest: int | None):
    """A status row (unsaved deployment) for a relayed row."""
    from shuxiang.distribution.deployments import Row, shown_state

    fields = {name: getattr(r, name) for name in FIELDS if name != "offered"}
    offered = PackageVersion(number=r.offered or 0)
    d = Deployment(
        package=package, library=library, version=offered, state=r.state, reason=r.reason,
        **fields,
    )  # fmt: skip
    d.updated_at = r.updated_at
    progress = min(100, int(d.done_bytes * 100 / d.total_bytes)) if d.total_bytes else None
    return Row(library, d, shown_state(d, newest), progress)
