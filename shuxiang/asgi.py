"""ASGI entry point (uvicorn, used by ``shuxiang serve``), with static files by WhiteNoise.

Identifier resolution (``/id/…``) is answered by a fast path before Django's request handling;
see ``shuxiang.identifiers.resolver``.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
django_application = get_asgi_application()

from shuxiang.identifiers.resolver import ResolverFastPath  # noqa: E402

application = ResolverFastPath(django_application)
