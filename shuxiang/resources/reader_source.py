"""The portal reader's ``ChapterSource`` over published EPUB resources (item key ``resource:<pk>``).

The chapters are the derivatives made when the EPUB was stored (role ``chapter``, HTML already
reduced to a tag whitelist by ``sanitize.py``); their labels form the table of contents. Only
published resources with chapters are known here, and the resource's access policy decides,
per reader, whether the reader shows them (``read_denial``).
"""

from __future__ import annotations

from shuxiang.core.api import actor_of
from shuxiang.core.http import ascii_int
from shuxiang.portal.chapters import Toc
from shuxiang.resources import permissions, usage
from shuxiang.resources.models import Resource, ResourceFile
from shuxiang.resources.storage import get_storage

PREFIX = "resource:"


def item_key(resource: Resource) -> str:
    """The reader's key for ``resource``."""
    return f"{PREFIX}{resource.pk}"


def _published(key: str) -> Resource | None:
    number = ascii_int(key[len(PREFIX) :] if key.startswith(PREFIX) else "")
    if number is None:
        return None
    return (
        Resource.objects.select_related("library")
        .filter(pk=number, status=Resource.Status.PUBLISHED)
        .first()
    )


def _chapters(resource: Resource):
    return resource.files.filter(role=ResourceFile.Role.CHAPTER).order_by("order")


class ResourceChapters:
    """EPUB e-books and classic texts of the resources app, chapter by chapter."""

    def get_toc(self, item_key: str) -> Toc | None:
        resource = _published(item_key)
        if resource is None:
            return None
        labels = list(_chapters(resource).values_list("label", flat=True))
        if not labels:
            return None
        return Toc(
            item_key=item_key,
            title=resource.title,
            chapters=[label or str(n) for n, label in enumerate(labels, start=1)],
            author=resource.creator,
            language=resource.language,
            extra={"resource_url": resource.get_absolute_url()},
        )

    def get_chapter(self, item_key: str, index: int) -> str | None:
        resource = _published(item_key)
        if resource is None or index < 0:
            return None
        item = _chapters(resource).filter(order=index).first()
        if item is None:
            return None
        return b"".join(get_storage().read_range(item.key)).decode("utf-8", errors="replace")

    def is_open(self, item_key: str) -> bool:
        """Whether anyone may read the book (public access policy)."""
        resource = _published(item_key)
        return resource is not None and resource.access == Resource.Access.PUBLIC

    def read_denial(self, item_key: str, request) -> str | None:
        """The resource's access policy for the reader of ``request`` (None: may read).

        The portal asks when it is about to show the book, so a refusal is reported to the
        statistics as an access denial (COUNTER No_License).
        """
        resource = _published(item_key)
        if resource is None:
            return None
        from shuxiang.core.http import client_ip

        denial = permissions.read_denial(actor_of(request), resource, client_ip(request))
        if denial:
            usage.record_denial(request, resource)
        return denial
