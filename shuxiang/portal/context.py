"""Template context for every page: the current site's branding and its navigation links."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from shuxiang.portal.permissions import can_curate
from shuxiang.portal.sites import branding_of


def site(request) -> dict:
    """``site`` (the :class:`~shuxiang.portal.sites.Site`), ``site_theme`` and ``site_nav``."""
    current = getattr(request, "site", None)
    if current is None:
        return {}
    theme = {
        **branding_of(current.library),
        "home": reverse("portal:home"),
        "manifest": reverse("portal:manifest"),
    }
    links = [
        (reverse("portal:home"), _("Home")),
        (reverse("catalog:search"), _("Search")),
        (reverse("resources:list"), _("Resources")),
        (reverse("portal:sites"), _("Switch site")),
    ]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        links.append((reverse("portal:me"), _("My bookshelf")))
        if can_curate(user, current.library):
            links.append((reverse("portal:curate"), _("Curate this site")))
    nav = [{"url": url, "label": label, "current": request.path == url} for url, label in links]
    return {"site": current, "site_theme": theme, "site_nav": nav}
