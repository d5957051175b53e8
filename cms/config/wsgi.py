"""WSGI entry point (gunicorn cms.config.wsgi in production)."""
import os
import sys
from pathlib import Path

from django.core.wsgi import get_wsgi_application

# The CMS renders and formats with the site builder's code (see manage.py).
sys.path.insert(1, str(Path(__file__).resolve().parent.parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.config.settings.production")
application = get_wsgi_application()
