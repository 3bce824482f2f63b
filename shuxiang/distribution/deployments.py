"""Offering packages down the tree and each library's deployment status (资源推送 · 部署状态).

The sending node (the national center, or a province for its counties) offers a package
version to libraries of its subtree — by a push, or because a library subscribed. An offer is a
``Deployment`` row and a capability token; the receiving node lists its offers with an API
token of its own staff, pulls the bag's files with the offer token (``bagserve``) and reports
its progress and outcome back (``report``). Coverage figures (how many libraries of each level
hold the package, seed 001's "386 city and 1,958 county libraries") are counted from the rows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.actors import SYSTEM, Actor, is_system
from shuxiang.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from shuxiang.core.http import ascii_int
from shuxiang.distribution import permissions
from shuxiang.distribution.bags import external_id
from shuxiang.distribution.models import Deployment, Package, PackageVersion, Subscription
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role

SALT = "shuxiang.distribution.offer"
REPORTED = {
    Deployment.State.DOWNLOADING,
    Deployment.State.VERIFIED,
    Deployment.State.IMPORTED,
    Deployment.State.FAILED,
}
PENDING = [Deployment.State.OFFERED, Deployment.State.DOWNLOADING, Deployment.State.FAILED]
LEVELS = ["provincial", "city", "county", "township", "service_point"]


def _person(actor: Actor):
    return None if is_system(actor) or not getattr(actor, "pk", None) else actor


def offer_token(deployment: Deployment) -> str:
    """The capability a receiving node presents to fetch the offered bag and to report."""
    return signing.dumps({"d": deployment.pk, "v": deployment.version_id}, salt=SALT)


def deployment_for_token(token: str) -> Deployment:
    """The deployment a token was issued for, while it still offers that version."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise PermissionDenied(_("This offer token is not valid.")) from None
    deployment = (
        Deployment.objects.select_related("version", "package", "library")
        .filter(pk=data.get("d") if isinstance(data, dict) else None)
        .first()
    )
    if deployment is None or deployment.version_id != data.get("v"):
        raise NotFound(_("This offer was withdrawn or replaced by a newer version."))
    return deployment


def require_unfederated(deployment: Deployment) -> None:
    """Offer tokens are for libraries whose node is not a federation peer; a peer signs."""
    from shuxiang.federation.models import HostedLibrary, Node

    hosted = HostedLibrary.objects.filter(
        library_id=deployment.library_id, node__status=Node.Status.APPROVED
    )
    if hosted.exists():
        raise PermissionDenied(
            _(
                "This library's node is a federation peer: it pulls and reports with "
                "signed requests (RFC 9421), not with an offer token."
            )
        )


def latest_full(package: Package) -> PackageVersion | None:
    return (
        package.versions.filter(base_version=None, state=PackageVersion.State.BUILT)
        .order_by("-number")
        .first()
    )


def version_for(package: Package, held: int | None) -> PackageVersion | None:
    """What to send a library holding version ``held``: the delta from it to the newest
    version when one is built, otherwise the newest full bag (a node that missed versions
    catches up with a full package)."""
    latest = latest_full(package)
    if latest is None or held is None or held >= latest.number:
        return latest
    delta = package.versions.filter(
        number=latest.number, base_version__number=held, state=PackageVersion.State.BUILT
    ).first()
    return delta or latest


def _targets(package: Package, codes: Iterable[str], by: Actor) -> list[Library]:
    codes = [unicodedata.normalize("NFKC", str(c)).strip() for c in codes if str(c).strip()]
    if not codes:
        raise ValidationFailed.single("libraries", _("Name at least one library."), "required")
    found = {lib.code: lib for lib in Library.objects.filter(code__in=codes)}
    errors = [
        FieldError("libraries", _("No library has the code %(c)s.") % {"c": c}, "unknown")
        for c in codes
        if c not in found
    ]
    inside = set(
        Library.objects.filter(scopes.in_subtree("", package.library), code__in=found)
        .exclude(pk=package.library_id)
        .values_list("code", flat=True)
    )
    errors += [
        FieldError(
            "libraries",
            _("%(c)s is not below %(owner)s, which owns the package.")
            % {"c": c, "owner": package.library.name},
            "outside",
        )
        for c in found
        if c not in inside
    ]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), errors)
    return [found[c] for c in dict.fromkeys(codes)]


@transaction.atomic
def push(
    package: Package, codes: Iterable[str], *, by: Actor, version: PackageVersion | None = None
) -> list[Deployment]:
    """Offer ``version`` (default: what each library needs to be current) to the libraries
    with ``codes``, all below the package's library; returns their deployments."""
    permissions.require_staff_of(by, package.library, action=_("push packages of"))
    libraries = _targets(package, codes, by)
    if version is not None and version.state != PackageVersion.State.BUILT:
        raise ValidationFailed.single("version", _("This version is not built."), "not_built")
    if version is None and latest_full(package) is None:
        raise ValidationFailed.single("version", _("The package has no built version."))
    held = dict(
        Deployment.objects.filter(package=package, library__in=libraries).values_list(
            "library_id", "held"
        )
    )
    rows = []
    for library in libraries:
        chosen = version or version_for(package, held.get(library.pk))
        rows.append(_offer(package, library, chosen, by))
    audit.record(by, "distribution.push", package, libraries=[lib.code for lib in libraries])
    return rows


def _offer(package: Package, library: Library, version: PackageVersion, by: Actor) -> Deployment:
    deployment, created = Deployment.objects.select_for_update().get_or_create(
        package=package,
        library=library,
        defaults={"version": version, "offered_by": _person(by)},
    )
    if created or deployment.version_id != version.pk or deployment.state == "failed":
        deployment.version, deployment.state, deployment.reason = version, "offered", ""
        deployment.done_bytes = deployment.files_done = 0
        deployment.total_bytes, deployment.files_total = version.payload_bytes, version.file_count
        deployment.offered_by = _person(by)
        deployment.save()
    return deployment


@transaction.atomic
def subscribe(package: Package, library: Library, *, by: Actor) -> Subscription:
    """``library`` asks for every version of ``package``; the newest is offered at once."""
    scopes.require(by, library, _("subscribe packages for"), role=Role.LIBRARIAN)
    if not Library.objects.filter(scopes.in_subtree("", package.library), pk=library.pk).exclude(
        pk=package.library_id
    ):
        raise ValidationFailed.single(
            "library", _("Only libraries below the package's library can subscribe."), "outside"
        )
    subscription, _created = Subscription.objects.get_or_create(package=package, library=library)
    _refresh_subscription(subscription)
    audit.record(by, "distribution.subscribe", package, library=library.code)
    return subscription


def _refresh_subscription(subscription: Subscription) -> None:
    held = (
        Deployment.objects.filter(package=subscription.package, library=subscription.library)
        .values_list("held", "version__number")
        .first()
    )
    wanted = version_for(subscription.package, held[0] if held else None)
    if wanted is not None and (held is None or held[1] < wanted.number):
        _offer(subscription.package, subscription.library, wanted, SYSTEM)


def offers_for(actor: Actor) -> list[Deployment]:
    """The pending offers to libraries where ``actor`` is staff (what a receiving node pulls);
    subscriptions whose package has a newer version are offered it first."""
    mine = scopes.in_scope(actor, "library", role=Role.LIBRARIAN)
    return offers_to(Deployment.objects.filter(mine), Subscription.objects.filter(mine))


def offers_to(rows, subscriptions=None) -> list[Deployment]:
    """The pending offers among the deployments ``rows`` (after offering each subscription
    of their libraries the newer version it lacks)."""
    if subscriptions is None:
        libraries = rows.values_list("library_id", flat=True)
        subscriptions = Subscription.objects.filter(library_id__in=list(libraries))
    with transaction.atomic():
        for subscription in subscriptions.select_related("package"):
            _refresh_subscription(subscription)
    rows = rows.filter(state__in=PENDING)
    return list(rows.select_related("package", "library", "version", "version__base_version"))


def _clean_report(data: Mapping[str, Any]) -> dict:
    state = str(data.get("state") or "")
    if state not in REPORTED:
        raise ValidationFailed.single(
            "state", _("Report one of downloading, verified, imported or failed."), "choice"
        )
    cleaned: dict[str, Any] = {"state": state, "reason": str(data.get("reason") or "")[:2000]}
    errors = []
    for name in ("done_bytes", "total_bytes", "files_done", "files_total"):
        if data.get(name) in (None, ""):
            continue
        number = ascii_int(str(data[name]))
        if number is None:
            errors.append(FieldError(name, _("Give a whole number of at least 0."), "number"))
        else:
            cleaned[name] = number
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), errors)
    return cleaned


def report(token: str, data: Mapping[str, Any]) -> Deployment:
    """The receiving node reports its pull of an offer (state, progress, failure reason)."""
    found = deployment_for_token(token)
    require_unfederated(found)
    return record_report(found, data)


def record_report(found: Deployment, data: Mapping[str, Any]) -> Deployment:
    """Store a report of the receiving node about ``found`` (checked by the caller)."""
    cleaned = _clean_report(data)
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update().get(pk=found.pk)
        if deployment.version_id != found.version_id:
            raise NotFound(_("This offer was withdrawn or replaced by a newer version."))
        changed = deployment.state != cleaned["state"]
        for name, value in cleaned.items():
            setattr(deployment, name, value)
        if cleaned["state"] == Deployment.State.IMPORTED:
            deployment.held = found.version.number
        deployment.save()
        if changed:
            audit.record(SYSTEM, "distribution.deployment", deployment, **cleaned)
        if changed and deployment.package.origin:  # passed on: tell the node it came from
            from shuxiang.distribution import relay

            relay.defer_up(deployment.package)
    return deployment


@dataclass
class Row:
    """One library's line on the status page."""

    library: Library
    deployment: Deployment | None
    state: str
    progress: int | None


def shown_state(deployment: Deployment | None, newest: int | None) -> str:
    """The state to show: a library holding an older version than the newest is outdated."""
    if deployment is None:
        return ""
    held = deployment.held
    if deployment.state == "imported" and newest is not None and (held or 0) < newest:
        return Deployment.State.OUTDATED
    return deployment.state


def status(package: Package, *, by: Actor, within: Library | None = None) -> list[Row]:
    """Every library below ``within`` (default: the package's library) that the actor may
    see, with its deployment of ``package``."""
    scopes.require(by, within or package.library, _("see deployments of"), role=Role.LIBRARIAN)
    within = within or package.library
    libraries = Library.objects.filter(scopes.in_subtree("", within)).exclude(pk=package.library_id)
    rows = {d.library_id: d for d in Deployment.objects.filter(package=package)}
    newest = latest_full(package)
    number = newest.number if newest else None
    out = []
    for library in libraries.order_by("path"):
        deployment = rows.get(library.pk)
        progress = None
        if deployment is not None and deployment.total_bytes:
            progress = min(100, int(deployment.done_bytes * 100 / deployment.total_bytes))
        out.append(Row(library, deployment, shown_state(deployment, number), progress))
    from shuxiang.distribution import relay

    return relay.merge(package, within, out, number)


def coverage(rows: list[Row]) -> list[dict]:
    """Per level: libraries below, those holding any version, those holding the newest."""
    figures = []
    for level in LEVELS:
        at_level = [row for row in rows if row.library.level == level]
        if not at_level:
            continue
        held = [row for row in at_level if row.deployment and row.deployment.held]
        current = [row for row in held if row.state == Deployment.State.IMPORTED]
        figures.append(
            {"level": level, "total": len(at_level), "reached": len(held), "current": len(current)}
        )
    return figures


def deployments_in_scope(actor: Actor) -> Q:
    return scopes.in_scope(actor, "library", role=Role.LIBRARIAN) | scopes.in_scope(
        actor, "package__library", role=Role.LIBRARIAN
    )


def offer_document(deployment: Deployment, base: str, *, signed: bool = False) -> dict:
    """What the receiving node needs to pull an offer: the bag's top-level files, its tag
    manifest's sha256, where its files are and where to report (``base``: this node's URL).
    ``signed``: for a federation peer (signed requests, no token); a bag this node passes on
    carries this node's endorsement of the key that signed it."""
    from shuxiang.distribution import keys

    version = deployment.version
    token = "" if signed else offer_token(deployment)
    bag = Path(version.bag_path)
    top = sorted(p.name for p in bag.iterdir() if p.is_file()) if bag.is_dir() else []
    where = f"{base}/packages/peer/offers/{deployment.pk}/{version.pk}" if signed else ""
    return {
        "id": deployment.pk, "library": deployment.library.code,
        "code": deployment.package.code, "title": deployment.package.title,
        "external_id": deployment.package.origin or external_id(deployment.package),
        "number": version.number,
        "base_number": version.base_version.number if version.base_version_id else None,
        "tagmanifest_sha256": version.tagmanifest_sha256,
        "payload_bytes": version.payload_bytes, "file_count": version.file_count,
        "top": top, "token": token, "signed": signed,
        "files_url": f"{where}/files" if signed else f"{base}/packages/offers/{token}/files",
        "batch_url": f"{where}/batch" if signed else "",
        "report_url": f"{where}/report" if signed
        else f"{base}/api/v1/packages/offers/{token}/report",
        "endorsement": keys.endorse(
            version.key_id, version.tagmanifest_sha256, version.signer_key
        ),
    }  # fmt: skip


def record_disk_import(external: str, number: int, into: Library) -> None:
    """A bag carried by disk (硬盘推送) to a library below the node's own package counts in the
    package's deployment status like a pulled one: imported, holding that version."""
    owners = Package.objects.filter(Q(origin=external) | Q(code=external.rpartition(":")[2]))
    for package in owners.select_related("library"):
        if external_id(package) != external and package.origin != external:
            continue
        if not Library.objects.filter(scopes.in_subtree("", package.library), pk=into.pk).exclude(
            pk=package.library_id
        ):
            continue
        version = package.versions.filter(number=number).first()
        if version is None:
            continue
        Deployment.objects.update_or_create(
            package=package,
            library=into,
            defaults={
                "version": version,
                "held": number,
                "state": Deployment.State.IMPORTED,
                "reason": "",
                "done_bytes": version.payload_bytes,
                "total_bytes": version.payload_bytes,
                "files_done": version.file_count,
                "files_total": version.file_count,
            },
        )
