"""`python cms/manage.py ensure_admin`: create (or reset) the demo administrator, idempotently.

The credentials come from DEMO_ADMIN_USER / DEMO_ADMIN_PASSWORD (defaults for the local demo only);
production never runs this command.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create or reset the demo administrator account and print its credentials."

    def handle(self, **options):
        username = os.environ.get("DEMO_ADMIN_USER", "admin")
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "visiondamour")
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={"email": "admin@example.org"})
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"admin account {'created' if created else 'ready'}: {username} / {password}")
