"""WSGI entry point (gunicorn cms.config.wsgi in production)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.config.settings.production")
application = get_wsgi_application()
