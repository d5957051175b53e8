"""Benchmark: the public ledger at N entries — appending them and signing the checkpoint, publishing the
files, and verifying the published log as a donor's `verify-ledger` does.

    python bench/ledger.py --entries 10000 --json
    python bench/ledger.py --entries 1000000 --json      # the verifier must take under 10 s

What runs is the code the CMS and the builder run, without the database and HTTP around it (the sync's
statements are bulk inserts of 2,000 rows, measured by tests, not here): each entry's canonical line
(cms/transparency/ledger/entries.line_of), its leaf hash and the tree's right edge (frontier_extend, what
sync.py keeps), one Ed25519 checkpoint; then site_builder/ledger.stage writes the site's files (a full
publish: entries.jsonl, checkpoints, totals.json, index and project pages) into a temporary folder, and
verify_site checks it (canonical lines, signatures, root, the consistency proof of an earlier checkpoint,
totals). Prints one JSON line: entries, append_seconds, publish_seconds, bytes_published, verify_seconds (wall) and
verify_cpu_seconds (this process's CPU: what a quiet machine's wall time would be), the load average.
`--with-cms` adds the CMS's own sync on a fresh database: cms_sync_seconds (N rows appended and signed in
one sync) and cms_sync_one_gift_seconds (the next gift alone: what each gift costs the worker).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from site_builder import ledger as site_ledger  # noqa: E402
from site_builder import verify_ledger as tlog  # noqa: E402

SEED = bytes(range(32))
ORIGIN = "bench.example.org/registre"


def fields(i: int) -> dict:
    kind = "refund" if i % 50 == 49 else "payment"
    return {"day": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}", "kind": kind,
            "amount": -500 if kind == "refund" else 1000 + i % 9000, "currency": "EUR",
            "project": f"projet-{i % 40}", "reference": tlog.public_reference(b"bench", f"payment:{i}")}


def run(n: int) -> dict:
    t0 = time.perf_counter()
    lines, frontier, checkpoints = [], [], []
    half = n // 2
    for i in range(n):
        line = tlog.canonical({"seq": i, **fields(i)})
        frontier = tlog.frontier_extend(frontier, [tlog.leaf_hash(line.encode())])
        lines.append(line)
        if i + 1 in (half, n) and i + 1:
            root = tlog.frontier_root(frontier)
            checkpoints.append((i + 1, tlog.sign_note(tlog.checkpoint_body(ORIGIN, i + 1, root), ORIGIN, SEED)))
    append_seconds = time.perf_counter() - t0
    totals = tlog.raised_totals(json.loads(line) for line in lines)
    pull = site_ledger.LedgerPull(size=n, origin=ORIGIN, key=tlog.vkey(ORIGIN, tlog.public_key_bytes(SEED)),
                                  lines=lines, checkpoints=checkpoints, full=True, totals=totals,
                                  counts={f"projet-{i}": 0 for i in range(40)})
    with tempfile.TemporaryDirectory(prefix="vda-bench-ledger-") as folder:
        t1 = time.perf_counter()
        site_ledger.stage(pull, Path(folder), None, SimpleNamespace(routes=[]), "https://bench.example.org", [])
        publish_seconds = time.perf_counter() - t1
        published = sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())
        t2, c2 = time.perf_counter(), time.process_time()
        report = tlog.verify_site(folder, reference=json.loads(lines[n // 3])["reference"])
        verify_seconds, verify_cpu = time.perf_counter() - t2, time.process_time() - c2
    assert report.size == n
    return {"entries": n, "append_seconds": round(append_seconds, 3), "publish_seconds": round(publish_seconds, 3),
            "bytes_published": published, "verify_seconds": round(verify_seconds, 3),
            "verify_cpu_seconds": round(verify_cpu, 3), "load_average": round(os.getloadavg()[0], 2),
            "verify_under_10s": verify_seconds < 10, "cpus": os.cpu_count()}


def with_cms(n: int) -> dict:
    """The CMS's own sync on a fresh database (PostgreSQL when DATABASE_URL points at a server, else SQLite):
    N ledger rows recorded, then `sync()` appends them all and signs; then one more gift, synced alone (what
    each gift costs the worker)."""
    import shutil

    sys.path.insert(0, str(REPO / "bench"))
    from build_scale import setup_env

    workdir = Path(tempfile.mkdtemp(prefix="vda-bench-ledger-cms-"))
    env = setup_env(workdir)
    drop = env.pop("_BENCH_PG_DROP", None)
    os.environ.update(env, SITE_BUILD_ENABLED="0")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections
        from django.utils import timezone

        from cms.donations.models import LedgerEntry
        from cms.transparency.ledger.sync import sync

        call_command("migrate", verbosity=0, interactive=False)
        now = timezone.now()
        rows = [LedgerEntry(kind="payment", amount=1000 + i % 9000, currency="EUR", project_slug=f"projet-{i % 40}",
                            stripe_object=f"pi_bench_{i}", occurred_at=now) for i in range(n)]
        LedgerEntry.objects.bulk_create(rows, batch_size=5000)
        t0 = time.perf_counter()
        assert sync() == n
        bulk = time.perf_counter() - t0
        LedgerEntry.objects.create(kind="payment", amount=500, currency="EUR", stripe_object="pi_bench_one",
                                   occurred_at=now)
        t1 = time.perf_counter()
        assert sync() == 1
        one = time.perf_counter() - t1
        vendor = connection.vendor
        connections.close_all()
    finally:
        if drop:
            import psycopg

            with psycopg.connect(os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    return {"cms_sync_seconds": round(bulk, 3), "cms_sync_one_gift_seconds": round(one, 4), "database": vendor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--with-cms", action="store_true",
                        help="also time the CMS's sync on a fresh database (N rows, then one more gift)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(max(2, args.entries))
    if args.with_cms:
        result.update(with_cms(max(2, args.entries)))
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
