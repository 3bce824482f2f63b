"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings


def node(request) -> dict:
    """Expose the node name and mode to templates."""
    return {"node_name": settings.NODE_NAME, "server_mode": settings.SERVER_MODE}
