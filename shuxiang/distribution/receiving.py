"""Receiving offered packages at a county or provincial node (接收): list the parent's offers,
pull each bag (``transfer.Puller``), verify the whole bag, import it, and report each step up.

Between federation peers (this node has an approved parent node) every request to the parent
is signed with this node's key (RFC 9421, ``federation.signing.peer_session``): the offers
list, each file (with Range) and each report. ``--from URL --token T`` (or
``SHUXIANG_PACKAGES_PARENT_URL``/``_TOKEN``) is for a parent that is not a federation peer: an
API token of this node's staff there, then the offer tokens.

A ``Transfer`` row per (library, bag) records the pull; the bag lands in
``<packages dir>/incoming/<library>/<bag>/``. A run that is killed, cut off or paused by the
off-hours window leaves the verified files and partial files in place; the next run resumes.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit, jobs, options
from shuxiang.core.actors import SYSTEM, Actor
from shuxiang.core.errors import Conflict, FieldError, ServiceError, ValidationFailed
from shuxiang.distribution import bagcheck, importer, keys, relay, services, throttle, transfer
from shuxiang.distribution.models import Transfer
from shuxiang.federation.signing import peer_session
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
State = Transfer.State
log = logging.getLogger("shuxiang.distribution")


def incoming_root() -> Path:
    return services.packages_root() / "incoming"


def _clean_offer(offer: Mapping[str, Any]) -> dict:
    errors: list[FieldError] = []

    def need(name: str, ok: bool, reason: str) -> None:
        if not ok:
            errors.append(FieldError(name, reason, "invalid"))

    get = offer.get
    need("files_url", str(get("files_url", "")).startswith(("http://", "https://")),
         _("Give the http(s) address of the offered files."))  # fmt: skip
    need("tagmanifest_sha256", bool(SHA_RE.match(str(get("tagmanifest_sha256", "")))),
         _("Give the 64 hex digits of the tag manifest's sha256."))  # fmt: skip
    top = get("top")
    need("top", isinstance(top, list) and all(NAME_RE.match(str(n)) for n in top),
         _("List the bag's top-level file names."))  # fmt: skip
    need("code", bool(NAME_RE.match(str(get("code", "")))), _("Give the package code."))
    need("number", isinstance(get("number"), int) and get("number") > 0,
         _("Give the version number."))  # fmt: skip
    need("library", isinstance(get("library"), str), _("Give the receiving library's code."))
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), errors)
    return dict(offer)


@transaction.atomic
def receive(offer: Mapping[str, Any], *, by: Actor) -> Transfer:
    """Record an offer of the parent as a transfer to run (once per library and bag)."""
    offer = _clean_offer(offer)
    library = Library.objects.filter(code=offer["library"]).first()
    if library is None:
        raise ValidationFailed.single("library", _("This node has no library of that code."))
    scopes.require(by, library, _("receive packages for"), role=Role.LIBRARIAN)
    folder = incoming_root() / library.code / f"{offer['code']}-v{offer['number']}"
    if offer.get("base_number"):
        folder = folder.with_name(folder.name + f"-from-v{offer['base_number']}")
    row, created = Transfer.objects.select_for_update().get_or_create(
        library=library,
        tagmanifest_sha256=offer["tagmanifest_sha256"],
        defaults={
            "source": offer["files_url"], "token": str(offer.get("token", "")),
            "external_id": str(offer.get("external_id", ""))[:200], "code": offer["code"],
            "title": str(offer.get("title", ""))[:200], "number": offer["number"],
            "base_number": offer.get("base_number") or None, "offer": offer,
            "folder": str(folder), "total_bytes": int(offer.get("payload_bytes") or 0),
            "files_total": int(offer.get("file_count") or 0),
        },
    )  # fmt: skip
    if not created and row.state == State.FAILED:
        row.state, row.reason = State.WAITING, ""
        row.source, row.token, row.offer = offer["files_url"], str(offer.get("token", "")), offer
        row.save()
    if created or row.state == State.WAITING:
        jobs.defer("distribution.pull", {"transfer": row.pk}, library=library)
    if created:
        audit.record(by, "distribution.receive", row, code=row.code, number=row.number)
    return row


def _federation_parent():
    from shuxiang.federation.models import Node

    return Node.parent()


def poll(*, by: Actor, parent: str = "", token: str = "", session=None) -> list[Transfer]:
    """Ask the parent node for this node's pending offers and record each as a transfer:
    signed, from the federation parent, unless a parent address or token is given."""
    node = None if parent or token else _federation_parent()
    headers = {}
    if node is not None:  # the default between nodes: signed requests
        url, session = (
            f"{node.base_url.rstrip('/')}/packages/peer/offers",
            session or peer_session(),
        )
    else:
        parent = (parent or options.value("PACKAGES_PARENT_URL")).rstrip("/")
        token = token or options.value("PACKAGES_PARENT_TOKEN")
        if not parent.startswith(("http://", "https://")):
            raise ValidationFailed.single("parent", _("Set the parent node's http(s) address."))
        url, session = f"{parent}/api/v1/packages/offers", session or requests.Session()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        reply = session.get(url, headers=headers, timeout=30)
    except requests.RequestException as exc:
        raise Conflict.single("parent", _("The parent node did not answer: %s") % exc) from exc
    if reply.status_code != 200:
        raise Conflict.single(
            "parent",
            _("The parent node answered %(s)s: %(text)s")
            % {"s": reply.status_code, "text": reply.text[:500]},
        )
    return [receive(offer, by=by) for offer in reply.json().get("items", [])]


def _offer_of(row: Transfer) -> transfer.Offer:
    data = row.offer
    return transfer.Offer(
        files_url=data["files_url"], tagmanifest_sha256=row.tagmanifest_sha256,
        top=list(data["top"]), payload_bytes=row.total_bytes, file_count=row.files_total,
        token=row.token, batch_url=data.get("batch_url", ""),
    )  # fmt: skip


class Reporter:
    """Tells the parent how the pull goes (at most every ``every`` seconds while
    downloading, always on a change of state); a parent out of reach is not an error."""

    def __init__(self, row: Transfer, session, every: float = 2.0) -> None:
        self.row, self.session, self.every, self.last = row, session, every, 0.0

    def __call__(self, state: str, force: bool = True) -> None:
        url = self.row.offer.get("report_url", "")
        now = time.monotonic()
        if not url or (not force and now - self.last < self.every):
            return
        self.last = now
        body = {
            "state": state, "reason": self.row.reason, "done_bytes": self.row.done_bytes,
            "total_bytes": self.row.total_bytes, "files_done": self.row.files_done,
            "files_total": self.row.files_total,
        }  # fmt: skip
        with contextlib.suppress(requests.RequestException):
            self.session.post(url, json=body, timeout=10)


def _set(row: Transfer, state: str, reason: str = "", **fields: Any) -> None:
    row.state, row.reason = state, reason[:2000]
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()


def run_transfer(
    row: Transfer,
    *,
    by: Actor = SYSTEM,
    progress: Callable[[transfer.Progress], None] | None = None,
    session=None,
    bandwidth: str | None = None,
    window: str | None = None,
) -> Transfer:
    """Pull, verify and import one offered bag; resumes where an earlier run stopped."""
    if row.state == State.IMPORTED:
        return row
    scopes.require(by, row.library, _("receive packages for"), role=Role.LIBRARIAN)
    rate = throttle.parse_bandwidth(
        options.value("PACKAGES_BANDWIDTH") if bandwidth is None else bandwidth
    )
    hours = throttle.parse_window(options.value("PACKAGES_WINDOW") if window is None else window)
    session = session or (peer_session() if row.offer.get("signed") else requests.Session())
    reporter = Reporter(row, session)
    if not hours.is_open(timezone.localtime()):
        _set(row, State.WAITING)
        return row
    if row.state != State.VERIFIED and not _pull(row, rate, hours, session, reporter, progress):
        return row
    return _verify_and_import(row, by, reporter)


def _pull(row, rate, hours, session, reporter, progress) -> bool:
    """Bring every file; False when the pull stopped (paused, stalled, refused)."""
    _set(row, State.DOWNLOADING)
    reporter(State.DOWNLOADING)

    def on_progress(p: transfer.Progress) -> None:
        Transfer.objects.filter(pk=row.pk).update(
            done_bytes=p.done_bytes, files_done=p.files_done, files_total=p.files_total
        )
        row.done_bytes, row.files_done, row.files_total = p.done_bytes, p.files_done, p.files_total
        reporter(State.DOWNLOADING, force=False)
        if progress:
            progress(p)

    puller = transfer.Puller(
        _offer_of(row), Path(row.folder), bucket=throttle.TokenBucket(rate),
        is_open=lambda: hours.is_open(timezone.localtime()), on_progress=on_progress,
        session=session, stall_seconds=options.value("PACKAGES_STALL_SECONDS"),
        connections=options.value("PACKAGES_CONNECTIONS"),
        timeout=options.value("PACKAGES_TIMEOUT"),
    )  # fmt: skip
    try:
        puller.run()
    except transfer.Paused:
        _set(row, State.WAITING)
        return False
    except (transfer.Stalled, transfer.Refused) as exc:
        _set(row, State.FAILED, str(exc))
        reporter(State.FAILED)
        return False
    except ValidationFailed as exc:
        _set(row, State.FAILED, _reason(exc))
        reporter(State.FAILED)
        return False
    return True


def _reason(exc: ServiceError) -> str:
    details = "; ".join(f"{e.field}: {e.reason}" for e in getattr(exc, "errors", []))
    return f"{exc.message} {details}".strip()


def _verify_and_import(row: Transfer, by: Actor, reporter: Reporter) -> Transfer:
    folder = Path(row.folder)
    with keys.trusting(relay.trusted_for(row)):  # a bag passed on: its key, endorsed
        try:
            bagcheck.verify_bag(folder)
        except ValidationFailed as exc:
            _set(row, State.FAILED, _reason(exc))
            reporter(State.FAILED)
            return row
        _set(row, State.VERIFIED)
        reporter(State.VERIFIED)
        try:
            import_bag(folder, row.library, by)
        except ServiceError as exc:
            _set(row, State.FAILED, _reason(exc))
            reporter(State.FAILED)
            return row
    _set(row, State.IMPORTED)
    reporter(State.IMPORTED)
    try:
        with keys.trusting(relay.trusted_for(row)):
            relay.adopt(row)  # this library may pass the bag on to its subtree
    except Exception:  # the import stands; passing it on can be set up again
        log.exception("could not record %s v%s for passing on", row.code, row.number)
    audit.record(by, "distribution.received", row, code=row.code, number=row.number)
    return row


def import_bag(folder: Path, library: Library, by: Actor) -> None:
    """The import of a verified bag into ``library`` (resumable and idempotent)."""
    importer.import_bag(folder, library, by=by)


def pull_job(job) -> None:
    """Job ``distribution.pull``: run one transfer (another process running it is fine)."""
    row = Transfer.objects.select_related("library").filter(pk=job.payload["transfer"]).first()
    if row is None:
        raise jobs.Permanent("the transfer no longer exists")
    with contextlib.suppress(Conflict):
        run_transfer(row)
