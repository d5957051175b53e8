"""Benchmark: the donation endpoint's property-based tests (tests/test_donations_fuzz.py) with a larger budget.

    python bench/fuzz.py --examples 500 --json

Runs the very properties CI runs (same strategies, same assertions: no 5xx, nothing written for refused
input, no Stripe object created for it, refunds never above their payment), with `--examples` inputs per
property instead of CI's 50, against a real localstripe and the test database (PostgreSQL when
DATABASE_URL points at a server, else SQLite). A property stops at its first failure (Hypothesis then
shrinks it and pytest prints the smallest failing input), so a non-zero `5xx` means a finding to read in
the output above the JSON.

Prints one JSON object: examples per property, per endpoint the inputs tried and the answers by class
(2xx/3xx/4xx/5xx; for the webhook also processed/ignored/duplicate), total inputs, total 5xx, whether every property held, and seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="inputs per property (CI: 50)")
    parser.add_argument("--json", action="store_true", help="print only the JSON result on stdout")
    parser.add_argument("-k", default="", help="only the properties whose name matches (pytest -k)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vda-fuzz-") as tmp:
        report = Path(tmp) / "report.json"
        env = dict(os.environ, FUZZ_EXAMPLES=str(args.examples), FUZZ_REPORT=str(report))
        command = [sys.executable, "-m", "pytest", "tests/test_donations_fuzz.py", "-q", "-p", "no:cacheprovider"]
        if args.k:
            command += ["-k", args.k]
        start = time.monotonic()
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=args.json, text=True)
        seconds = time.monotonic() - start
        endpoints = json.loads(report.read_text()) if report.exists() else {}

    result = {
        "bench": "fuzz", "examples_per_property": args.examples,
        "database": "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
        "endpoints": {name: {"inputs": counts.get("inputs", 0), "5xx": counts.get("5xx", 0),
                             **{k: v for k, v in sorted(counts.items()) if k not in ("inputs", "5xx")}}
                      for name, counts in sorted(endpoints.items())},
        "inputs": sum(c.get("inputs", 0) for c in endpoints.values()),
        "5xx": sum(c.get("5xx", 0) for c in endpoints.values()),
        "all_properties_held": done.returncode == 0,
        "seconds": round(seconds, 1),
    }
    if args.json and done.returncode != 0:
        sys.stderr.write(done.stdout[-20000:] + done.stderr[-5000:])
    print(json.dumps(result, indent=None if args.json else 2))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
