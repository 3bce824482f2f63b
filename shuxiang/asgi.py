"""ASGI entry point (uvicorn, used by ``shuxiang serve``), with static files by WhiteNoise.

Fast paths answer hot requests before Django's request handling: settings ``ASGI_FAST_PATHS``
lists them (dotted paths, outermost first), e.g. identifier resolution (``/id/…``, see
``shuxiang.identifiers.resolver``) and anonymous OAI-PMH harvests (``shuxiang.catalog.oai``).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

application = django_application
for dotted in reversed(settings.ASGI_FAST_PATHS):
    application = import_string(dotted)(application)
