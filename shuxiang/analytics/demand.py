"""Demand feedback (需求反馈): readers request resources and rate services; librarians answer.

Requests and ratings count up the library tree: a tier sees, per library below it, how many
requests are open and answered and the mean rating of each service, with groups smaller than
k suppressed like every other report.
"""

from __future__ import annotations

import unicodedata

from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.analytics.models import DemandRequest, ServiceRating
from shuxiang.analytics.suppression import suppress
from shuxiang.core import audit
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role, in_subtree
from shuxiang.stats.permissions import require_figures_of


def _text(field: str, value: object, limit: int, *, required: bool = False) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed(_("%(field)s: required") % {"field": field})
    if len(text) > limit:
        raise ValidationFailed(
            _("%(field)s: at most %(n)s characters") % {"field": field, "n": limit}
        )
    return text


def _reader_library(by) -> Library:
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Log in as a registered reader first."))
    library = getattr(by, "home_library", None)
    if library is None:
        raise ValidationFailed(_("library: you have no home library"))
    return library


@transaction.atomic
def request_resource(*, by, title: str, author: str = "", note: str = "") -> DemandRequest:
    """A signed-in reader asks their home library for a resource."""
    library = _reader_library(by)
    request = DemandRequest.objects.create(
        reader=by,
        library=library,
        title=_text("title", title, 300, required=True),
        author=_text("author", author, 200),
        note=_text("note", note, 2000),
    )
    audit.record(by, "analytics.request_resource", request, library=library.code)
    return request


@transaction.atomic
def answer_request(request: DemandRequest, *, by, status: str, answer: str) -> DemandRequest:
    """A librarian of the request's library (or above) answers it."""
    scopes.require(by, request.library, _("answer requests of"), role=Role.LIBRARIAN)
    if status not in DemandRequest.Status.values or status == DemandRequest.Status.OPEN:
        raise ValidationFailed(_("status: choose acquiring, available or declined"))
    request.status, request.answer = status, _text("answer", answer, 2000, required=True)
    request.answered_at = timezone.now()
    request.save()
    audit.record(by, "analytics.answer_request", request, status=status)
    return request


def _stars(value: object) -> int:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 1 and 1 <= int(text) <= 5):
        raise ValidationFailed(_("stars: a whole number from 1 to 5"))
    return int(text)


@transaction.atomic
def rate_service(*, by, service: str, stars: object, comment: str = "") -> ServiceRating:
    """A reader rates one service of their home library (a new rating replaces theirs)."""
    library = _reader_library(by)
    if service not in ServiceRating.Service.values:
        raise ValidationFailed(_("service: unknown service"))
    rating, _created = ServiceRating.objects.update_or_create(
        reader=by,
        library=library,
        service=service,
        defaults={"stars": _stars(stars), "comment": _text("comment", comment, 500)},
    )
    return rating


def open_requests(actor) -> list[DemandRequest]:
    """Requests librarians of ``actor``'s libraries may answer, open ones first."""
    rows = DemandRequest.objects.filter(scopes.in_scope(actor, "library", role=Role.LIBRARIAN))
    return list(rows.select_related("library").order_by("answered_at", "-created_at")[:200])


def signals(actor, library: Library, k: int) -> dict:
    """Requests (open, answered) and ratings per library directly below ``library``."""
    require_figures_of(actor, library)
    parts = list(library.children.order_by("code")) or [library]
    cells, ratings = [], []
    for part in parts:
        mine = DemandRequest.objects.filter(in_subtree("library", part))
        counts = mine.aggregate(
            open=Count("id", filter=Q(status="open")), done=Count("id", filter=~Q(status="open"))
        )
        cells.append([counts["open"], counts["done"]])
        rated = ServiceRating.objects.filter(in_subtree("library", part)).aggregate(
            n=Count("id"), mean=Avg("stars")
        )
        ratings.append(round(rated["mean"], 2) if rated["n"] >= k else None)
    grid = suppress(cells, k).rows()
    rows = [(part, *grid[i][:2], ratings[i]) for i, part in enumerate(parts)]
    return {"rows": rows, "totals": grid[-1]}
