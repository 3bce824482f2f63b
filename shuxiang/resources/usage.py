"""Usage events of resources (item views, downloads, plays, refusals) for the statistics platform.

A refusal (拒绝访问) is reported as COUNTER's access denials: ``no_license`` when the access
policy keeps the reader out, ``limit_exceeded`` when a quota or simultaneous-use limit does.
"""

from __future__ import annotations

from django.apps import apps

from shuxiang.resources.models import Resource


def starts_reading(request) -> bool:
    """True for a whole-file request or the first range of one (not every later range)."""
    range_header = request.headers.get("Range", "")
    return not range_header or range_header.replace(" ", "").startswith("bytes=0-")


def record_request(request, kind: str, resource: Resource) -> None:
    """Record ``kind`` on ``resource`` for this request's reader, when stats run here."""
    if apps.is_installed("shuxiang.stats"):
        from shuxiang.stats.usage import record_request as record

        record(
            kind,
            request,
            library=resource.library,
            resource_type=resource.type,
            item_id=f"resource:{resource.pk}",
        )


def record_denial(request, resource: Resource, *, limit: bool = False) -> None:
    """Record that this request's reader was refused ``resource`` (by its policy or a limit).

    An unpublished resource is not on offer to readers, so refusing it is not a denial.
    """
    if resource.status == Resource.Status.PUBLISHED:
        record_request(request, "limit_exceeded" if limit else "no_license", resource)
