"""Benchmark: signed Stripe webhooks under load, duplicated, against a production-like server.

    python bench/webhooks.py --events 2000 --duplicates 3 --json

Starts what it needs: a fresh database (PostgreSQL when DATABASE_URL points at a server, else a SQLite
file), localstripe, and the CMS under gunicorn (2 workers x 8 threads, production settings). Then:
1. sends `--intents` intent creations at concurrency 20 and reads each answer's Server-Timing header, whose
   `app` part is our own time without Stripe's (`intent_p99_ms`);
2. sends every event `--duplicates` times, shuffled, signed as Stripe signs them, at concurrency 20.
Prints one JSON line: events, deliveries, events_per_second (deliveries per second), gifts_recorded,
duplicates (gifts recorded more than once: must be 0), missing, errors, intent_p99_ms, intent_p50_ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "cms"), str(REPO / "bench")]

from build_scale import setup_env  # noqa: E402  (fresh SQLite file or PostgreSQL database)

SECRET = "whsec_bench"


def populate() -> str:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from tests import factories

    factories.FAST_PUBLISH = True
    tree = factories.make_site()
    return factories.make_project(tree, title="Puits", slug="puits-bench").slug


def signed(payload: bytes) -> str:
    from tests.stripe_events import sign

    return sign(payload, secret=SECRET)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--duplicates", type=int, default=3)
    parser.add_argument("--intents", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tests.conftest import LocalStripe, free_port, wait_for
    from tests.stripe_events import event, payment_intent

    workdir = Path(tempfile.mkdtemp(prefix="vda-bench-webhooks-"))
    env = setup_env(workdir)
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", STRIPE_WEBHOOK_SECRET=SECRET,
               DONATE_RATE_LIMITS="1000000,1000000,600", LOG_LEVEL="ERROR")
    os.environ.update(env)
    stripe_server = server = None
    try:
        slug = populate()
        stripe_server = LocalStripe()
        port = free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--chdir", str(REPO / "cms"),
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "8", "--worker-class", "gthread",
             "--log-level", "error"],
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test", "STRIPE_API_BASE": stripe_server.url},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/donate/totals.json", timeout=60)
        session = requests.Session()
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=args.concurrency * 2))

        def create_intent(i):
            response = session.post(base + "/donate/api/intents/", json={
                "project": slug, "amount": 2500, "currency": "EUR", "frequency": "once", "name": "Bench",
                "email": f"bench{i}@example.org"}, timeout=60)
            match = re.search(r"app;dur=([\d.]+)", response.headers.get("Server-Timing", ""))
            return response.status_code, float(match.group(1)) if match else None

        # Warm-up, not measured: each worker's first requests load the URLconf and open DB connections
        # (a cold start, a deployment matter); the figure asked for is the steady state.
        with ThreadPoolExecutor(args.concurrency) as pool:
            warmup = list(pool.map(create_intent, range(10_000, 10_000 + args.concurrency * 2)))
        with ThreadPoolExecutor(args.concurrency) as pool:
            intents = list(pool.map(create_intent, range(args.intents)))
        intent_ms = [ms for code, ms in intents if code == 201 and ms is not None]

        payloads = [event("payment_intent.succeeded", payment_intent(f"pi_bench{i:07d}", amount=1000 + i,
                                                                     project=slug), event_id=f"evt_bench{i:07d}")
                    for i in range(args.events)]
        deliveries = [p for p in payloads for _ in range(args.duplicates)]
        random.Random(42).shuffle(deliveries)

        def deliver(payload):
            return session.post(base + "/donate/stripe/webhook/", data=payload, timeout=60, headers={
                "Content-Type": "application/json", "Stripe-Signature": signed(payload)}).status_code

        start = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            codes = list(pool.map(deliver, deliveries))
        seconds = time.perf_counter() - start

        from django.db import connections
        from django.db.models import Count

        from donations.models import LedgerEntry

        connections.close_all()
        rows = LedgerEntry.objects.filter(stripe_object__startswith="pi_bench")
        recorded = rows.count()
        doubled = rows.values("stripe_object").annotate(n=Count("id")).filter(n__gt=1).count()
        result = {
            "bench": "webhooks", "events": args.events, "duplicates_sent": args.duplicates,
            "deliveries": len(deliveries), "events_per_second": round(len(deliveries) / seconds, 1),
            "unique_events_per_second": round(args.events / seconds, 1),
            "gifts_recorded": recorded, "duplicates": doubled, "missing": args.events - recorded,
            "errors": sum(1 for c in codes if c != 200),
            "intent_p50_ms": round(statistics.median(intent_ms), 1) if intent_ms else None,
            "intent_p99_ms": round(percentile(intent_ms, 99), 1) if intent_ms else None,
            "intents_created": len(intent_ms),
            "warmup_max_ms": max((ms for code, ms in warmup if ms is not None), default=None), "database": "postgresql" if env.get("_BENCH_PG_DROP") else "sqlite",
            "server": "gunicorn 2 workers x 8 threads",
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
        print(json.dumps(result) if args.json else json.dumps(result, indent=2))
        return 0 if doubled == 0 and recorded == args.events else 1
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        if stripe_server:
            stripe_server.stop()
        if env.get("_BENCH_PG_DROP"):
            import psycopg
            from urllib.parse import urlsplit, urlunsplit

            from django.db import connections

            connections.close_all()
            admin = urlunsplit(urlsplit(env["DATABASE_URL"])._replace(path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{env["_BENCH_PG_DROP"]}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
