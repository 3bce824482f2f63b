"""A branch course site's look: the library's own colours (legible on white), and the policy
that lets the embeddable page (页面接口) sit in an iframe on the library's own site."""

from __future__ import annotations

import re

from shuxiang.core import options
from shuxiang.network.models import Library

DEFAULT_ACCENT = "#8b1a1a"
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$", re.ASCII)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def legible(colour: str) -> str:
    """``colour`` darkened until white text on it reaches a contrast of 4.5 (WCAG AA)."""
    colour = colour.lower() if COLOUR.match(colour or "") else DEFAULT_ACCENT
    while (1.05) / (_luminance(colour) + 0.05) < 4.5:
        red, green, blue = (int(int(colour[i : i + 2], 16) * 0.9) for i in (1, 3, 5))
        colour = f"#{red:02x}{green:02x}{blue:02x}"
    return colour


def of(library: Library) -> dict:
    branding = library.branding or {}
    accent = legible(branding.get("primary_color", ""))
    return {"accent": accent, "accent2": legible(branding.get("accent_color", "") or accent)}


def embed_policy() -> str:
    ancestors = options.value("COURSES_FRAME_ANCESTORS") or "*"
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        f"script-src 'self'; frame-ancestors {ancestors}; base-uri 'self'; form-action 'self'"
    )
