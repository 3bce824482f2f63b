"""ASGI entry point (uvicorn, used by ``shuxiang serve``), with static files by WhiteNoise.

Two fronts answer before Django's request handling: identifier resolution (``/id/…``, see
``shuxiang.identifiers.resolver``) and public pages for readers without a session (see
``shuxiang.core.pagecache``; off when ``SHUXIANG_PAGE_CACHE_SECONDS`` is 0).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
django_application = get_asgi_application()

from shuxiang.core import options  # noqa: E402
from shuxiang.core.pagecache.front import PageCacheFront  # noqa: E402
from shuxiang.identifiers.resolver import ResolverFastPath  # noqa: E402

pages = PageCacheFront(django_application) if options.value("PAGE_CACHE_SECONDS") > 0 else None
application = ResolverFastPath(pages or django_application)
