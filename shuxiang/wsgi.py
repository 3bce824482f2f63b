"""WSGI entry point (for WSGI servers such as gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
application = get_wsgi_application()
