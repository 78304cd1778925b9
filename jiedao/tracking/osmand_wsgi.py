"""WSGI application of the OsmAnd listener: Django with only the OsmAnd URLconf and no middleware (no
sessions, no CSRF: phones post without cookies). Served by gunicorn on its own port (osmand_listener)."""

import os

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiedao.settings")
django.setup(set_prefix=False)
settings.ROOT_URLCONF = "jiedao.tracking.osmand_urls"
settings.MIDDLEWARE = []
application = WSGIHandler()
