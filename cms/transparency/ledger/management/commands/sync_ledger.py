"""`manage.py sync_ledger`: append what the public ledger lacks now (the worker does it after each gift;
this is for a first run on existing books, or after the worker was down) and print the new size."""

from django.core.management.base import BaseCommand

from cms.transparency.ledger.models import PublicEntry
from cms.transparency.ledger.sync import sync


class Command(BaseCommand):
    help = "Append every payment, refund, approved disbursement and grant not yet in the public ledger."

    def handle(self, *args, **options):
        appended = sync()
        self.stdout.write(f"{appended} entries appended; the public ledger holds {PublicEntry.objects.count()}")
