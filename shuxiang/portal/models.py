"""Portal records: curated columns (栏目), topics (专题) and their entries; reader data.

Curation belongs to one library's site. A column or topic marked ``distributed`` also shows on
every site below its library (the 总分站 model: the center distributes to its branches).
Entries point at a generic target (URL + title + optional reference such as ``resource:42`` or an
identifier), so the resources app can plug in without a schema change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scheduled(models.Model):
    """Something visible only between ``publish_from`` and ``publish_until`` (both optional)."""

    position = models.PositiveIntegerField(_("position"), default=0)
    publish_from = models.DateTimeField(_("publish from"), null=True, blank=True)
    publish_until = models.DateTimeField(_("publish until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def is_live(self, at=None) -> bool:
        """True when visible at ``at`` (now by default)."""
        at = at or timezone.now()
        started = self.publish_from is None or self.publish_from <= at
        return started and (self.publish_until is None or self.publish_until > at)


def live_filter(at=None, prefix: str = "") -> Q:
    """The query form of :meth:`Scheduled.is_live` (``prefix`` for related lookups)."""
    at = at or timezone.now()
    return (
        Q(**{f"{prefix}publish_from__isnull": True}) | Q(**{f"{prefix}publish_from__lte": at})
    ) & (Q(**{f"{prefix}publish_until__isnull": True}) | Q(**{f"{prefix}publish_until__gt": at}))


class Shelf(Scheduled):
    """Shared fields of columns and topics: a titled, ordered list curated by one library."""

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    summary = models.TextField(_("summary"), blank=True, max_length=2000)
    distributed = models.BooleanField(
        _("distribute to the libraries below"),
        default=False,
        help_text=_("Also show this on the sites of every library below this one."),
    )
    embed = models.CharField(
        _("page shown inside"),
        max_length=300,
        blank=True,
        help_text=_("A page of this node shown in a frame under the list, e.g. /courses/embed/…/"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Column(Shelf):
    """A column (栏目) on a site's home page, e.g. "新书推荐"."""

    class Meta(Shelf.Meta):
        indexes = [models.Index(fields=["library", "position"], name="portal_column_order")]


class Topic(Shelf):
    """A topic (专题): a themed page with an introduction and its own entries."""

    class Meta(Shelf.Meta):
        indexes = [models.Index(fields=["library", "position"], name="portal_topic_order")]


class Entry(Scheduled):
    """One item in a column or a topic: a link to a resource, a page or anything with a URL."""

    column = models.ForeignKey(
        Column, null=True, blank=True, on_delete=models.CASCADE, related_name="entries"
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="entries"
    )
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link"), max_length=500)
    reference = models.CharField(
        _("resource or identifier"),
        max_length=200,
        blank=True,
        help_text=_("Optional, e.g. resource:42 or an identifier; lets the resource be tracked."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(column__isnull=False) & Q(topic__isnull=True))
                | (Q(column__isnull=True) & Q(topic__isnull=False)),
                name="portal_entry_in_column_xor_topic",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def shelf(self) -> Shelf:
        return self.column if self.column_id else self.topic


class ReaderPreferences(models.Model):
    """How one reader likes to read: font size, theme and line spacing, on every device."""

    class Theme(models.TextChoices):
        LIGHT = "light", _("light")
        DARK = "dark", _("dark")
        SEPIA = "sepia", _("sepia")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_preferences"
    )
    font_size = models.PositiveSmallIntegerField(_("font size"), default=18)
    theme = models.CharField(_("theme"), max_length=8, choices=Theme.choices, default=Theme.LIGHT)
    line_spacing = models.FloatField(_("line spacing"), default=1.8)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.font_size}px {self.theme} ×{self.line_spacing}"


class ReaderItem(models.Model):
    """Base of per-reader, per-item records; ``item_key`` is opaque (e.g. ``demo:lunyu``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item_key = models.CharField(_("item"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.user_id}: {self.item_key}"


class ReadingPosition(ReaderItem):
    """Where a reader is in an item; ``locator`` holds chapter/progress, a CFI, page or seconds."""

    locator = models.JSONField(_("position"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "item_key"], name="portal_one_position_per_item"
            )
        ]
        ordering = ["-updated_at"]


class ShelfItem(ReaderItem):
    """An item on a reader's bookshelf (书架)."""

    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link"), max_length=500)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "item_key"], name="portal_shelf_item_once")
        ]
        ordering = ["-added_at", "-id"]


class Bookmark(ReaderItem):
    """A place in an item the reader marked, with an optional label."""

    locator = models.JSONField(_("position"), default=dict)
    label = models.CharField(_("label"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item_key", "created_at", "id"]
        indexes = [models.Index(fields=["user", "item_key"], name="portal_bookmark_item")]


class Like(ReaderItem):
    """A reader likes an item (once)."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "item_key"], name="portal_like_once")
        ]
        indexes = [models.Index(fields=["item_key"], name="portal_like_item")]
