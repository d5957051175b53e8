#!/usr/bin/env python
"""Django's command-line entry point for the Vision d'Amour CMS."""
import os
import sys
from pathlib import Path

# The CMS renders and formats with the site builder's code (same money format, same preview render).
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
