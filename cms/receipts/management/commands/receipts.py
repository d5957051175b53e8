"""`manage.py receipts yearly --year 2026 [--dry-run]`: the yearly summary receipts of monthly donors (one
per donor, for the year's monthly payments not already on a receipt, net of refunds); the publishing worker
runs it by itself in early January.
`manage.py receipts purge [--dry-run]`: receipts past the six years of legal retention lose their PDF and
their personal data (purge.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vda_base.money import money


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        yearly = sub.add_parser("yearly", help="reçus récapitulatifs annuels des dons mensuels")
        yearly.add_argument("--year", type=int, default=None, help="année des mensualités (défaut : l'an dernier)")
        yearly.add_argument("--dry-run", action="store_true", help="dire ce qui serait émis, sans rien émettre")
        purge = sub.add_parser("purge", help="purger les reçus de plus de six ans")
        purge.add_argument("--dry-run", action="store_true")

    def handle(self, *args, action, dry_run=False, year=None, **options):
        if action == "yearly":
            self.yearly(year or timezone.localtime().year - 1, dry_run)
        else:
            self.purge(dry_run)

    def yearly(self, year: int, dry_run: bool):
        from cms.receipts.service import issue_yearly

        if not 2000 <= year <= timezone.localtime().year:
            raise CommandError(f"Année invalide : {year}.")
        result = issue_yearly(year, dry_run=dry_run)
        total = sum(amount for _key, amount, _n in result["planned"])
        verb = "seraient émis" if dry_run else "émis"
        self.stdout.write(f"Récapitulatifs {year} : {len(result['planned'])} reçu(s) {verb}, "
                          f"{money(total, 'EUR', always_decimals=True)} au total.")
        for key, reason in result["skipped"]:  # no personal data: the donor's or gift's id only
            self.stdout.write(f"  sans reçu : {key[0]} {key[1]} : {reason}")

    def purge(self, dry_run: bool):
        from cms.receipts.purge import purge

        count = purge(dry_run=dry_run)
        self.stdout.write(f"{count} reçu(s) de plus de six ans {'à purger' if dry_run else 'purgé(s)'}.")
