"""The in-browser reader and the reader's own pages (bookshelf, bookmarks, likes).

Everything works without JavaScript: chapters are plain pages linked to each other, and the
settings, bookshelf, bookmark and like buttons are forms. ``reader.js`` enhances the page
(applies settings at once, saves and restores the position through the API).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.core.errors import ServiceError
from shuxiang.core.http import ascii_int
from shuxiang.core.pagecache import public_page
from shuxiang.portal import chapters, reading
from shuxiang.portal.models import Bookmark, Like, ReaderPreferences, ShelfItem


def _book(item_key: str):
    found = chapters.find(item_key)
    if found is None:
        raise Http404(_("There is no readable item %(key)s.") % {"key": item_key})
    return found


def _refusal(request, source, item_key: str):
    """A 403 page with the reason when the item's access policy keeps this reader out."""
    reason = chapters.denial(source, item_key, request)
    if reason is None:
        return None
    return render(request, "portal/denied.html", {"reason": reason}, status=403)


def read(request, item_key: str):
    """Open an item where the reader left off (on any device), or at its first chapter."""
    source, toc = _book(item_key)
    refused = _refusal(request, source, item_key)
    if refused is not None:
        return refused
    position = reading.position_of(request.user, item_key)
    index = position.locator.get("chapter", 0) if position else 0
    number = min(max(int(index), 0), len(toc) - 1) + 1
    return redirect("portal:chapter", item_key=item_key, number=number)


@public_page
def chapter(request, item_key: str, number: int):
    """Chapter ``number`` (from 1) of an item, with contents, settings and navigation."""
    source, toc = _book(item_key)
    refused = _refusal(request, source, item_key)
    if refused is not None:
        return refused
    html = source.get_chapter(item_key, number - 1)
    if html is None:
        raise Http404(_("%(title)s has no chapter %(n)d.") % {"title": toc.title, "n": number})
    user = request.user
    prefs = reading.preferences_of(user) if user.is_authenticated else ReaderPreferences()
    context = {
        "toc": toc,
        "number": number,
        "html": html,
        "contents": _contents(item_key, toc, number),
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < len(toc) else None,
        "prefs": prefs,
        "themes": ReaderPreferences.Theme.choices,
        "spacings": ["1.4", "1.6", "1.8", "2.0", "2.4"],
        "likes": reading.like_count(item_key),
        "liked": user.is_authenticated
        and Like.objects.filter(user=user, item_key=item_key).exists(),
        "shelved": user.is_authenticated
        and ShelfItem.objects.filter(user=user, item_key=item_key).exists(),
        "here": request.path,
        "item_path": f"/read/{item_key}/",
        "api_base": reverse("api-v1:openapi-json").rsplit("/", 1)[0] + "/",
    }
    response = render(request, "portal/reader.html", context)
    if not chapters.is_open(source, item_key):
        # Read after signing in or from a library's network: no copy on the device (the
        # service worker keeps only chapters without no-store), so the next person using a
        # shared phone cannot open it offline.
        response["Cache-Control"] = "private, no-store"
    return response


def _contents(item_key: str, toc, number: int) -> tuple[str, str]:
    """The contents list and the jump menu's options as HTML, built in one pass (a book may
    have hundreds of chapters; template loops would dominate the page's cost)."""
    first = reverse("portal:chapter", kwargs={"item_key": item_key, "number": 1})
    base = first[: -len("1/")]
    rows = list(enumerate(toc.chapters, start=1))
    links = format_html_join(
        "",
        '<li><a href="{}{}/"{}>{}</a></li>',
        ((base, n, mark_safe(' aria-current="page"' if n == number else ""), t) for n, t in rows),
    )
    options = format_html_join(
        "",
        '<option value="{}"{}>{}. {}</option>',
        ((n, mark_safe(" selected" if n == number else ""), n, t) for n, t in rows),
    )
    return links, options


def go(request, item_key: str):
    """The chapter-jump form (``?n=``) without JavaScript."""
    _source, toc = _book(item_key)
    number = min(max(ascii_int(request.GET.get("n", "1"), max_digits=6) or 1, 1), len(toc))
    return redirect("portal:chapter", item_key=item_key, number=number)


def _back(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


def _act(request, action, done: str):
    try:
        action()
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(_back(request, reverse("portal:me")))


@login_required
@require_POST
def set_preferences(request):
    """The reader-settings form: font size, theme and line spacing."""
    data = {}
    for name, kind in (("font_size", int), ("line_spacing", float), ("theme", str)):
        if request.POST.get(name):
            try:
                data[name] = kind(request.POST[name])
            except ValueError:
                data[name] = request.POST[name]
    return _act(request, lambda: reading.set_preferences(data, by=request.user), _("Saved."))


@login_required
@require_POST
def shelf(request):
    """Add an item to the bookshelf, or remove it (``remove=1``)."""
    key = request.POST.get("item_key", "")
    if request.POST.get("remove"):
        return _act(
            request,
            lambda: reading.remove_from_shelf(key, by=request.user),
            _("Removed from your bookshelf."),
        )
    title, url = request.POST.get("title", ""), request.POST.get("url", "")
    return _act(
        request,
        lambda: reading.add_to_shelf(key, title, url, by=request.user),
        _("Added to your bookshelf."),
    )


@login_required
@require_POST
def like(request):
    """Like an item, or take the like back (``remove=1``)."""
    key = request.POST.get("item_key", "")
    if request.POST.get("remove"):
        return _act(request, lambda: reading.unlike(key, by=request.user), _("Like removed."))
    return _act(request, lambda: reading.like(key, by=request.user), _("Liked."))


@login_required
@require_POST
def bookmark(request):
    """Bookmark a chapter (``chapter`` is 0-based), or delete a bookmark (``delete=<id>``)."""
    if request.POST.get("delete"):
        pk = ascii_int(request.POST["delete"]) or 0
        return _act(
            request, lambda: reading.delete_bookmark(pk, by=request.user), _("Bookmark deleted.")
        )
    key = request.POST.get("item_key", "")
    raw = request.POST.get("chapter", "")
    chapter = ascii_int(raw, max_digits=6)
    locator = {"chapter": chapter} if chapter is not None else {}
    label = request.POST.get("label", "")
    return _act(
        request,
        lambda: reading.add_bookmark(key, locator, label, by=request.user),
        _("Bookmarked."),
    )


@login_required
def me(request):
    """The reader's bookshelf, bookmarks and where they are reading."""
    user = request.user
    context = {
        "shelf": ShelfItem.objects.filter(user=user),
        "bookmarks": Bookmark.objects.filter(user=user),
        "positions": list(reading.ReadingPosition.objects.filter(user=user)[:20]),
        "prefs": reading.preferences_of(user),
    }
    return render(request, "portal/me.html", context)
