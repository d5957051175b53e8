#!/usr/bin/env python
"""Django's command-line entry point for the Vision d'Amour CMS.

The apps are the installed package `cms` (`pip install -e .`, done by `make install`), so this file needs no
path edits: `python cms/manage.py ...` works from any directory."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
