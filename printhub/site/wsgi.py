"""WSGI entry point (gunicorn printhub.site.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "printhub.site.settings")
application = get_wsgi_application()
