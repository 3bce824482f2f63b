"""ASGI entry point (uvicorn, used by ``shuxiang serve``), with static files by WhiteNoise."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
application = get_asgi_application()
