"""Reader services: preferences, reading positions, bookshelf, bookmarks and likes.

The reader acts on their own records (``by=`` is the reader). Changes to the bookshelf,
bookmarks, likes and preferences are audited; reading positions, saved every few seconds while
reading, are not (the row keeps its own ``updated_at``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.errors import NotFound, PermissionDenied, ValidationFailed
from shuxiang.portal.models import Bookmark, Like, ReaderPreferences, ReadingPosition, ShelfItem
from shuxiang.portal.validation import Collector, clean_item_key, clean_url

FONT_SIZES = (12, 40)
LINE_SPACINGS = (1.0, 3.0)
LOCATOR_KEYS = {"chapter", "progress", "cfi", "page", "seconds"}


def _reader(by) -> None:
    if by is None or not getattr(by, "is_authenticated", False) or not getattr(by, "pk", None):
        raise PermissionDenied(_("Log in to keep your reading settings and bookshelf."))


def preferences_of(reader) -> ReaderPreferences:
    """The reader's preferences (defaults, unsaved, when they never changed any)."""
    found = ReaderPreferences.objects.filter(user=reader).first()
    return found or ReaderPreferences(user=reader)


def _clean_preferences(data: Mapping[str, Any]) -> dict:
    errors = Collector()
    cleaned: dict[str, Any] = {}
    for key in data:
        if key not in {"font_size", "theme", "line_spacing"}:
            errors.add(key, _("Unknown field."), "unknown_field")
    if "font_size" in data:
        size = data["font_size"]
        if (
            isinstance(size, bool)
            or not isinstance(size, int)
            or not (FONT_SIZES[0] <= size <= FONT_SIZES[1])
        ):
            errors.add("font_size", _("Use a whole number from %d to %d.") % FONT_SIZES, "range")
        else:
            cleaned["font_size"] = size
    if "theme" in data:
        if data["theme"] not in ReaderPreferences.Theme.values:
            errors.add("theme", _("Use light, dark or sepia."), "choice")
        else:
            cleaned["theme"] = data["theme"]
    if "line_spacing" in data:
        spacing = data["line_spacing"]
        if (
            isinstance(spacing, bool)
            or not isinstance(spacing, int | float)
            or not (LINE_SPACINGS[0] <= spacing <= LINE_SPACINGS[1])
        ):
            errors.add("line_spacing", _("Use a number from 1.0 to 3.0."), "range")
        else:
            cleaned["line_spacing"] = round(float(spacing), 1)
    errors.raise_if_any(_("The reading settings are not valid."))
    return cleaned


@transaction.atomic
def set_preferences(data: Mapping[str, Any], *, by) -> ReaderPreferences:
    """Change some of the reader's preferences; the others keep their values."""
    _reader(by)
    cleaned = _clean_preferences(data)
    prefs, _created = ReaderPreferences.objects.select_for_update().get_or_create(user=by)
    for name, value in cleaned.items():
        setattr(prefs, name, value)
    prefs.save()
    audit.record(by, "portal.set_preferences", prefs, **cleaned)
    return prefs


def clean_locator(locator: object, field: str = "locator") -> dict:
    """A position: chapter (0-based), progress (0–1), cfi, page (from 1) or seconds."""
    errors = Collector()
    if not isinstance(locator, dict) or not locator:
        raise ValidationFailed.single(
            field, _("Give at least one of chapter, progress, cfi, page, seconds.")
        )
    for key, value in locator.items():
        name = f"{field}.{key}"
        if key not in LOCATOR_KEYS:
            errors.add(name, _("Unknown field."), "unknown_field")
        elif key in {"chapter", "page"} and (
            isinstance(value, bool) or not isinstance(value, int) or value < (key == "page")
        ):
            errors.add(name, _("Use a whole number from %d.") % (key == "page"), "range")
        elif key in {"progress", "seconds"} and not _number_in(value, key):
            errors.add(name, _("Use a number from 0 (progress: up to 1)."), "range")
        elif key == "cfi" and (not isinstance(value, str) or not 0 < len(value) <= 500):
            errors.add(name, _("Use text of at most 500 characters."))
    errors.raise_if_any(_("The reading position is not valid."))
    return dict(locator)


def _number_in(value: object, key: str) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return value >= 0 and (key != "progress" or value <= 1)


@transaction.atomic
def save_position(item_key: str, locator: object, *, by) -> ReadingPosition:
    """Remember where the reader is in ``item_key`` (the latest save wins)."""
    _reader(by)
    item_key = clean_item_key(item_key)
    locator = clean_locator(locator)
    position, _created = ReadingPosition.objects.update_or_create(
        user=by, item_key=item_key, defaults={"locator": locator}
    )
    return position


def position_of(reader, item_key: str) -> ReadingPosition | None:
    """Where ``reader`` last was in ``item_key`` (None for anonymous readers)."""
    if not getattr(reader, "is_authenticated", False):
        return None
    return ReadingPosition.objects.filter(user=reader, item_key=item_key).first()


@transaction.atomic
def add_to_shelf(item_key: str, title: str, url: str, *, by) -> ShelfItem:
    """Put an item on the reader's bookshelf (again: refreshes its title and link)."""
    _reader(by)
    item_key = clean_item_key(item_key)
    errors = Collector()
    title = (title or "").strip()
    if not title or len(title) > 200:
        errors.add("title", _("Give a title of at most 200 characters."), "required")
    url = clean_url(url, errors)
    errors.raise_if_any(_("The bookshelf item is not valid."))
    item, _created = ShelfItem.objects.update_or_create(
        user=by, item_key=item_key, defaults={"title": title, "url": url}
    )
    audit.record(by, "portal.shelve", item, item_key=item_key)
    return item


@transaction.atomic
def remove_from_shelf(item_key: str, *, by) -> None:
    """Take an item off the reader's bookshelf."""
    _reader(by)
    item = ShelfItem.objects.filter(user=by, item_key=item_key).first()
    if item is None:
        raise NotFound(_("This item is not on your bookshelf."), [])
    audit.record(by, "portal.unshelve", item, item_key=item_key)
    item.delete()


@transaction.atomic
def add_bookmark(item_key: str, locator: object, label: str = "", *, by) -> Bookmark:
    """Mark a place in an item."""
    _reader(by)
    item_key = clean_item_key(item_key)
    locator = clean_locator(locator)
    label = (label or "").strip()
    if len(label) > 200:
        raise ValidationFailed.single("label", _("At most %(n)d characters.") % {"n": 200})
    bookmark = Bookmark.objects.create(user=by, item_key=item_key, locator=locator, label=label)
    audit.record(by, "portal.bookmark", bookmark, item_key=item_key)
    return bookmark


@transaction.atomic
def delete_bookmark(bookmark_id: int, *, by) -> None:
    """Remove one of the reader's bookmarks."""
    _reader(by)
    bookmark = Bookmark.objects.filter(user=by, pk=bookmark_id).first()
    if bookmark is None:
        raise NotFound(_("You have no such bookmark."), [])
    audit.record(by, "portal.delete_bookmark", bookmark, item_key=bookmark.item_key)
    bookmark.delete()


def like(item_key: str, *, by) -> bool:
    """Like an item; True when this is new (liking twice changes nothing)."""
    _reader(by)
    item_key = clean_item_key(item_key)
    try:
        with transaction.atomic():
            liked = Like.objects.create(user=by, item_key=item_key)
            audit.record(by, "portal.like", liked, item_key=item_key)
            _likes_changed(item_key)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def unlike(item_key: str, *, by) -> bool:
    """Take back a like; True when there was one."""
    _reader(by)
    found = Like.objects.filter(user=by, item_key=item_key).first()
    if found is None:
        return False
    audit.record(by, "portal.unlike", found, item_key=item_key)
    found.delete()
    _likes_changed(item_key)
    return True


def like_count(item_key: str) -> int:
    """How many readers like ``item_key`` (cached for a minute; a like or unlike refreshes it)."""
    key = _likes_key(item_key)
    count = cache.get(key)
    if count is None:
        count = Like.objects.filter(item_key=item_key).count()
        cache.set(key, count, 60)
    return count


def _likes_key(item_key: str) -> str:
    return f"portal:likes:{item_key}"


def _likes_changed(item_key: str) -> None:
    cache.delete(_likes_key(item_key))
    transaction.on_commit(lambda: cache.delete(_likes_key(item_key)))
