"""Benchmark: tax receipts issued per second from recorded payments (number allocated, row written, PDF
rendered and stored), by several processes at once as several workers would.

    python bench/receipts.py --payments 500 --workers 2 --json

Starts what it needs: a fresh database (PostgreSQL when DATABASE_URL points at a server, else a SQLite
file, as bench/webhooks.py does) and a private receipts folder in a temporary directory. Records
`--payments` one-off gifts through the ledger (the webhook's `record_payment`), then `--workers` processes
issue their receipts (`receipt_for_payment`, which renders and stores each PDF once its row commits).
Prints one JSON line: receipts, seconds, receipts_per_second, ms_per_receipt (wall time / receipts x
workers), pdf_bytes_avg, and gap_free (the year's numbers are exactly 1..N).

`--with-webhooks E`: then the webhook intake of bench/webhooks.py (E events, 2 deliveries each, no
anchor) alone, and again while this benchmark issues receipts in the background (one process, its own
database: what competes is the machine's CPU, as on a server running both); adds
webhook_events_per_second_alone, ..._while_issuing and webhook_intake_ratio (must stay >= 0.9).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from build_scale import setup_env  # noqa: E402  (fresh SQLite file or PostgreSQL database)


def record_payments(n: int) -> list[int]:
    import datetime as dt

    from django.db import transaction

    from cms.donations import ledger
    from cms.donations.models import Donation, Donor, LedgerEntry

    with transaction.atomic():
        for i in range(n):
            donor = Donor.objects.create(email=f"bench{i}@example.org", name=f"Donateur {i}",
                                         address_line1=f"{i} rue des Lilas", postal_code="75011", city="Paris",
                                         country="FR")
            gift = Donation.objects.create(donor=donor, amount=2500 + i, currency="EUR", wants_receipt=True,
                                           donor_name=f"Donatrice Numéro {i}", address_line1=f"{i} rue des Lilas",
                                           postal_code="75011", city="Paris", country="FR", status="succeeded")
            ledger.record_payment(donation=gift, stripe_object=f"pi_bench{i}", amount=gift.total, currency="EUR",
                                  occurred=int(dt.datetime(2026, 11, 3, tzinfo=dt.timezone.utc).timestamp()))
    return list(LedgerEntry.objects.order_by("pk").values_list("pk", flat=True))


def issue(entry_ids: list[int]) -> int:
    """In a worker process: a receipt for each payment."""
    from django.db import connections

    from cms.donations.models import LedgerEntry
    from cms.receipts.service import receipt_for_payment

    connections.close_all()  # never the parent's connection
    done = 0
    for entry in LedgerEntry.objects.filter(pk__in=entry_ids).select_related("donation"):
        if receipt_for_payment(entry) is not None:
            done += 1
    connections.close_all()
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="processes issuing receipts at once")
    parser.add_argument("--with-webhooks", type=int, default=0, metavar="EVENTS",
                        help="also measure bench/webhooks.py's intake alone and while receipts are issued")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.with_webhooks:
        return with_webhooks(args)

    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped early: still drop what it made
    result = {"gap_free": False, "pdfs_stored": -1, "receipts": 0}
    workdir = Path(tempfile.mkdtemp(prefix="vda-bench-receipts-"))
    env = setup_env(workdir)
    drop = env.pop("_BENCH_PG_DROP", None)
    os.environ.update(env)
    os.environ["RECEIPTS_ROOT"] = str(workdir / "receipts")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        call_command("migrate", verbosity=0, interactive=False)
        ids = record_payments(args.payments)
        vendor = connection.vendor
        connections.close_all()
        chunks = [ids[i::args.workers] for i in range(args.workers)]
        start = time.perf_counter()
        if args.workers == 1:  # in this process (stoppable by SIGTERM, as --with-webhooks does)
            issued = issue(ids)
        else:
            with ProcessPoolExecutor(max_workers=args.workers) as pool:
                issued = sum(pool.map(issue, chunks))
        seconds = time.perf_counter() - start

        from django.utils import timezone

        from cms.receipts.models import Receipt

        sequences = sorted(Receipt.objects.filter(year=timezone.localtime().year).values_list("sequence", flat=True))
        sizes = [Path(os.environ["RECEIPTS_ROOT"], name).stat().st_size
                 for name in Receipt.objects.values_list("pdf", flat=True) if name]
        result = {
            "receipts": issued, "workers": args.workers, "seconds": round(seconds, 2),
            "receipts_per_second": round(issued / seconds, 1),
            "ms_per_receipt": round(seconds * 1000 * args.workers / max(issued, 1), 2),
            "pdf_bytes_avg": round(sum(sizes) / max(len(sizes), 1)), "pdfs_stored": len(sizes),
            "gap_free": sequences == list(range(1, len(sequences) + 1)) and len(sequences) == issued,
            "database": vendor, "cpus": os.cpu_count(), "python": platform.python_version(),
        }
        connections.close_all()
    finally:
        if drop:
            import psycopg

            with psycopg.connect(os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result) if args.json else result)
    return 0 if result["gap_free"] and result["pdfs_stored"] == result["receipts"] else 1


def webhook_intake(events: int) -> float:
    import subprocess

    done = subprocess.run([sys.executable, str(REPO / "bench" / "webhooks.py"), "--events", str(events),
                           "--duplicates", "2", "--intents", "20", "--anchor", "none", "--json"],
                          capture_output=True, text=True, timeout=1800)
    line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    return json.loads(line).get("events_per_second") or 0.0


def with_webhooks(args) -> int:
    """The receipts figures, then the webhook intake alone and while receipts are being issued."""
    import subprocess

    own = subprocess.run([sys.executable, __file__, "--payments", str(args.payments), "--workers",
                          str(args.workers), "--json"], capture_output=True, text=True, timeout=1800)
    result = json.loads(own.stdout.strip().splitlines()[-1])
    alone = webhook_intake(args.with_webhooks)
    issuing = subprocess.Popen([sys.executable, __file__, "--payments", str(max(args.payments, 4000)),
                                "--workers", "1", "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(20)  # its payments are recorded and issuing has begun
        busy = webhook_intake(args.with_webhooks)
        still_issuing = issuing.poll() is None
    finally:
        issuing.terminate()
        issuing.wait(timeout=30)
    result.update(webhook_events=args.with_webhooks, webhook_events_per_second_alone=alone,
                  webhook_events_per_second_while_issuing=busy, receipts_ran_throughout=still_issuing,
                  webhook_intake_ratio=round(busy / alone, 2) if alone else None)
    print(json.dumps(result) if args.json else result)
    return 0 if result["gap_free"] and alone and busy / alone >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
