"""Read side of the proxy gateway."""

from __future__ import annotations

from django.db.models import QuerySet

from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role
from shuxiang.proxy.models import ReaderPause, VendorDefinition


def staff_libraries(user) -> list[Library]:
    return scopes.libraries(user, role=Role.LIBRARIAN)


def vendors_for(user) -> QuerySet[VendorDefinition]:
    scope = scopes.in_scope(user, "library", role=Role.LIBRARIAN)
    return VendorDefinition.objects.filter(scope).select_related("library")


def pauses_for(user) -> QuerySet[ReaderPause]:
    scope = scopes.in_scope(user, "vendor__library", role=Role.LIBRARIAN)
    return ReaderPause.objects.filter(scope, lifted_at=None).select_related("vendor", "user")
