"""Likes (点赞): one per reader per work per Beijing day, during the like period.

Exactly once under any concurrency: the row's unique constraint (work, reader, day) decides,
never a read-then-write. A like needs a signed-in reader and passes rate limits per reader,
per IP and per device (fixed one-minute windows in the cache: Redis in server mode).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from shuxiang.activities import clock, phases
from shuxiang.activities.boards import board
from shuxiang.activities.models import Like, Work
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ServiceError


class RateLimited(ServiceError):
    status = 429


def _within_limits(reader_id: int, ip: str, device: str, at: dt.datetime) -> None:
    minute = int(at.timestamp() // 60)
    limits = settings.ACTIVITIES_LIKE_LIMITS
    for scope, ident in (("reader", reader_id), ("ip", ip), ("device", device)):
        if not ident or not limits.get(scope):
            continue
        key = f"act:like-rate:{scope}:{ident}:{minute}"
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:
            count = 1
        if count > limits[scope]:
            reason = _("Too many likes from this %(scope)s; wait a minute.") % {"scope": scope}
            raise RateLimited(reason, [FieldError(scope, reason, "rate_limited")])


def _check(work: Work, by, day: dt.date) -> None:
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to like a work."))
    if not work.on_board:
        raise Conflict.single("work", _("This work is not open for likes."), "not_open")
    phases.require_open(work.campaign, "liking", "work", day)


def like(work: Work, *, by, ip: str = "", device: str = "", at: dt.datetime | None = None) -> bool:
    """Record ``by``'s like of ``work``; False when they already liked it this Beijing day."""
    at = at or clock.now()
    day = clock.beijing_day(at)
    _check(work, by, day)
    _within_limits(by.pk, ip, device[:64], at)
    try:
        with transaction.atomic():
            Like.objects.create(work=work, reader=by, day=day, at=at, ip=ip, device=device[:64])
            Work.objects.filter(pk=work.pk).update(like_count=F("like_count") + 1)
    except IntegrityError:
        return False
    work.like_count += 1
    transaction.on_commit(lambda: board().bump(work, 1))
    _record_usage(work, by)
    return True


def _record_usage(work: Work, reader) -> None:
    from shuxiang.stats.events import record

    record(
        "item_view",
        library=work.library,
        reader=reader,
        resource_type="activities.like",
        item_id=f"activities:work:{work.pk}",
    )
