"""Read side of the proxy gateway."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role
from shuxiang.proxy.models import ReaderPause, UsageWindow, VendorDefinition


def staff_libraries(user) -> list[Library]:
    return scopes.libraries(user, role=Role.LIBRARIAN)


def vendors_for(user) -> QuerySet[VendorDefinition]:
    scope = scopes.in_scope(user, "library", role=Role.LIBRARIAN)
    return VendorDefinition.objects.filter(scope).select_related("library")


def pauses_for(user) -> QuerySet[ReaderPause]:
    scope = scopes.in_scope(user, "vendor__library", role=Role.LIBRARIAN)
    return ReaderPause.objects.filter(scope, lifted_at=None).select_related("vendor", "user")


def usage_for(user, *, hours: int, vendor: int | None = None) -> list[dict]:
    """Hourly proxied use of the vendors in ``user``'s scope: requests, bytes and readers."""
    since = timezone.now() - dt.timedelta(hours=hours)
    scope = scopes.in_scope(user, "vendor__library", role=Role.LIBRARIAN)
    rows = UsageWindow.objects.filter(scope, hour__gte=since)
    if vendor is not None:
        rows = rows.filter(vendor_id=vendor)
    grouped = rows.values("vendor", "vendor__title", "kind", "hour").annotate(
        readers=Count("user", distinct=True), total=Sum("count"), size=Sum("bytes")
    )
    return [
        {
            "vendor": row["vendor"],
            "vendor_title": row["vendor__title"],
            "kind": row["kind"],
            "hour": row["hour"],
            "readers": row["readers"],
            "count": row["total"],
            "bytes": row["size"],
        }
        for row in grouped.order_by("-hour", "vendor", "kind")[:5000]
    ]
