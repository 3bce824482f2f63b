"""What linked data may show: exactly what an anonymous reader finds in search.

Records: the catalog's own anonymous visibility filter (``visibility_filter(Visibility())``),
live records only. Resources: published with the public access policy (their warehouse records
carry the resource's policy, so search shows no others to anonymous readers). Libraries: the
ones the network pages list to anonymous visitors (active or suspended).
"""

from __future__ import annotations

from django.db.models import QuerySet

from shuxiang.catalog.models import Record
from shuxiang.catalog.search.base import Visibility
from shuxiang.catalog.search.postgres_backend import visibility_filter
from shuxiang.network.models import Library
from shuxiang.resources.models import Resource


def resources() -> QuerySet[Resource]:
    return Resource.objects.filter(
        status=Resource.Status.PUBLISHED, access=Resource.Access.PUBLIC
    ).select_related("library", "collection")


def records() -> QuerySet[Record]:
    return (
        Record.objects.filter(deleted=False)
        .filter(visibility_filter(Visibility()))
        .select_related("library")
    )


def libraries() -> QuerySet[Library]:
    return Library.objects.filter(
        status__in=(Library.Status.ACTIVE, Library.Status.SUSPENDED)
    ).select_related("parent", "division")
