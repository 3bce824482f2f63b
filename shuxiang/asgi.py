"""ASGI entry point (uvicorn, used by ``shuxiang serve``), with static files by WhiteNoise.

Fronts answer before Django's request handling. Settings ``ASGI_FAST_PATHS`` lists the fast
paths (dotted paths, outermost first): identifier resolution (``/id/…``, see
``shuxiang.identifiers.resolver``) and anonymous OAI-PMH harvests (``/oai``, see
``shuxiang.catalog.oai.fastpath``). Inside them, public pages for readers without a session
(see ``shuxiang.core.pagecache``; off when ``SHUXIANG_PAGE_CACHE_SECONDS`` is 0). Django itself
runs on a fixed pool of threads (``shuxiang.core.threads``; ``SHUXIANG_DJANGO_THREADS=0`` uses
Django's own ASGI handler instead).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from shuxiang.core import options  # noqa: E402
from shuxiang.core.pagecache.front import PageCacheFront  # noqa: E402
from shuxiang.core.server import warm_worker  # noqa: E402
from shuxiang.core.threads import DjangoThreads  # noqa: E402

django_application = DjangoThreads() if options.value("DJANGO_THREADS") > 0 else ASGIHandler()
pages = PageCacheFront(django_application) if options.value("PAGE_CACHE_SECONDS") > 0 else None
application = pages or django_application
for dotted in reversed(settings.ASGI_FAST_PATHS):
    application = import_string(dotted)(application)

warm_worker()  # under ``shuxiang serve``: load the search engine before the first reader
