"""Benchmark: intent creation, then signed Stripe webhooks under load, duplicated, against a production-like server.

    python bench/webhooks.py --events 2000 --duplicates 3 --json

Starts what it needs: a fresh database (PostgreSQL when DATABASE_URL points at a server, else a SQLite
file), localstripe, and the CMS under gunicorn (`--workers` x `--threads`, gthread). Then, in two phases
that do not overlap:
1. intent creations (`--intents` of them, after a warm-up) at `--intent-concurrency` donors at once, and
   nothing else running. Each answer's Server-Timing header splits the view's time into `app` (ours) and
   `stripe` (waiting for localstripe's two round trips); `intent_p50/p95/p99_ms` are percentiles of `app`
   over `intent_samples` creations. The round trip seen by the client (Stripe included) is reported too;
2. every event `--duplicates` times, shuffled, signed as Stripe signs them, at `--concurrency`, after a
   warm-up of 40 other events (each worker's first deliveries, not measured, as the anchor does);
3. on PostgreSQL, the anchor (`--anchor`, default ../shared/bench/anchor_webhooks.py: the least a webhook
   endpoint can do, a signature check and one INSERT ... ON CONFLICT DO NOTHING, under the same gunicorn
   set-up) with the same events, duplicates and concurrency, right after phase 2 and once this bench's
   server is stopped, so both figures come from the same machine in the same minute. `--anchor none`
   skips it.
Prints one JSON line: events, deliveries, events_per_second (deliveries per second), gifts_recorded,
duplicates (gifts recorded more than once: must be 0), missing, errors, the intent figures, and
anchor_events_per_second with anchor_ratio (events_per_second / the anchor's).

Everything (server, localstripe, load generator) shares this machine's cores: on a 2-core machine the
tail of phase 1 is mostly CPU scheduling, which is why it runs alone and at a stated concurrency.
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
sys.path[:0] = [str(REPO), str(REPO / "bench")]

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


def run_anchor(args, database_url: str) -> dict:
    """The anchor's JSON line, run as its own process with this Python on the same PostgreSQL server;
    {} when skipped (`--anchor none`, or SQLite: the anchor needs PostgreSQL)."""
    if args.anchor == "none" or not database_url.startswith("postgres"):
        return {}
    done = subprocess.run([sys.executable, args.anchor, "--events", str(args.events), "--duplicates",
                           str(args.duplicates), "--concurrency", str(args.concurrency), "--dsn", database_url,
                           "--json"], capture_output=True, text=True, timeout=900)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"the anchor printed no result (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--duplicates", type=int, default=3)
    parser.add_argument("--intents", type=int, default=1000, help="intent creations measured (phase 1)")
    parser.add_argument("--intent-concurrency", type=int, default=4,
                        help="donors creating an intent at the same moment (phase 1)")
    parser.add_argument("--concurrency", type=int, default=20, help="webhook deliveries in flight (phase 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--anchor", default=str(REPO.parent / "shared" / "bench" / "anchor_webhooks.py"),
                        help="the bare-endpoint reference run after phase 2 (PostgreSQL only); 'none' skips it")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")  # the server's; setup_env points at a fresh database
    if args.anchor != "none" and database_url.startswith("postgres") and not Path(args.anchor).is_file():
        parser.error(f"no anchor at {args.anchor}: give its path with --anchor (or --anchor none)")

    from tests.conftest import LocalStripe, free_port, wait_for
    from tests.stripe_events import event, payment_intent

    workdir = Path(tempfile.mkdtemp(prefix="vda-bench-webhooks-"))
    env = setup_env(workdir)
    env.update(DJANGO_SETTINGS_MODULE="cms.config.settings.test", STRIPE_WEBHOOK_SECRET=SECRET,
               DONATE_RATE_LIMITS="1000000,1000000,600", LOG_LEVEL="ERROR")
    os.environ.update(env)
    stripe_server = server = None
    try:
        slug = populate()
        stripe_server = LocalStripe()
        port = free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "cms.config.wsgi", "--chdir", str(REPO),
             "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
             "--log-level", "error"],
            env={**env, "DJANGO_SETTINGS_MODULE": "cms.config.settings.test", "STRIPE_API_BASE": stripe_server.url},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/donate/totals.json", timeout=60)
        session = requests.Session()
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=args.concurrency * 2))

        def create_intent(i):
            """(status, our ms, Stripe's ms, client round trip ms) of one real intent creation."""
            start = time.perf_counter()
            response = session.post(base + "/donate/api/intents/", json={
                "project": slug, "amount": 2500, "currency": "EUR", "frequency": "once", "name": "Bench",
                "email": f"bench{i}@example.org"}, timeout=60)
            roundtrip = (time.perf_counter() - start) * 1000
            timing = dict(re.findall(r"(\w+);dur=([\d.]+)", response.headers.get("Server-Timing", "")))
            app, in_stripe = timing.get("app"), timing.get("stripe")
            return (response.status_code, float(app) if app else None, float(in_stripe) if in_stripe else None,
                    roundtrip)

        # Phase 1, alone. Warm-up, not measured: each worker's first requests load the URLconf and open DB
        # connections (a cold start, a deployment matter); the figure asked for is the steady state.
        warmup_n = max(args.workers * args.threads, args.intent_concurrency) * 4
        with ThreadPoolExecutor(args.intent_concurrency) as pool:
            warmup = list(pool.map(create_intent, range(10_000, 10_000 + warmup_n)))
        start = time.perf_counter()
        with ThreadPoolExecutor(args.intent_concurrency) as pool:
            intents = list(pool.map(create_intent, range(args.intents)))
        intent_seconds = time.perf_counter() - start
        created = [row for row in intents if row[0] == 201 and row[1] is not None]
        intent_ms = [row[1] for row in created]
        stripe_ms = [row[2] for row in created if row[2] is not None]
        roundtrip_ms = [row[3] for row in created]

        def pct(values, q):
            return round(percentile(values, q), 1) if values else None

        payloads = [event("payment_intent.succeeded", payment_intent(f"pi_bench{i:07d}", amount=1000 + i,
                                                                     project=slug), event_id=f"evt_bench{i:07d}")
                    for i in range(args.events)]
        deliveries = [p for p in payloads for _ in range(args.duplicates)]
        random.Random(42).shuffle(deliveries)

        def deliver(payload):
            return session.post(base + "/donate/stripe/webhook/", data=payload, timeout=60, headers={
                "Content-Type": "application/json", "Stripe-Signature": signed(payload)}).status_code

        warm = [event("payment_intent.succeeded", payment_intent(f"pi_warm{i:07d}", project=slug),
                      event_id=f"evt_warm{i:07d}") for i in range(40)]
        with ThreadPoolExecutor(args.concurrency) as pool:  # not measured: each worker's first deliveries
            list(pool.map(deliver, warm))
        start = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            codes = list(pool.map(deliver, deliveries))
        seconds = time.perf_counter() - start
        server.terminate()
        server.wait(timeout=10)
        server = None
        anchor = run_anchor(args, database_url)

        from django.db import connections
        from django.db.models import Count

        from cms.donations.models import LedgerEntry

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
            "intent_p95_ms": pct(intent_ms, 95), "intent_p99_ms": pct(intent_ms, 99),
            "intent_max_ms": pct(intent_ms, 100), "intent_samples": len(intent_ms),
            "intent_concurrency": args.intent_concurrency,
            "intent_phase": "alone, before the webhook deliveries",
            "intent_errors": len(intents) - len(created),
            "intents_per_second": round(len(intents) / intent_seconds, 1),
            "intent_stripe_p50_ms": pct(stripe_ms, 50),
            "intent_roundtrip_p50_ms": pct(roundtrip_ms, 50), "intent_roundtrip_p99_ms": pct(roundtrip_ms, 99),
            "warmup_max_ms": max((row[1] for row in warmup if row[1] is not None), default=None),
            "anchor_events_per_second": anchor.get("events_per_second"),
            "anchor_ratio": (round(len(deliveries) / seconds / anchor["events_per_second"], 2)
                             if anchor.get("events_per_second") else None),
            "anchor_errors": anchor.get("errors"), "anchor_rows": anchor.get("rows"),
            "database": "postgresql" if env.get("_BENCH_PG_DROP") else "sqlite",
            "server": f"gunicorn {args.workers} workers x {args.threads} threads",
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
        print(json.dumps(result) if args.json else json.dumps(result, indent=2))
        return 0 if doubled == 0 and recorded == args.events and len(created) == len(intents) else 1
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
