"""`python bench/netlify_deploy.py --files N --json`: what a deploy through Netlify's API costs the worker.

Makes a site of N HTML files (about 20 KB each, like the builder's pages) in a temporary folder, and deploys
it three times to the local stand-in of Netlify's API (tests/netlify_standin.py, a real HTTP server on
127.0.0.1): first (every file uploads), again unchanged, then after a publish that changed three files. Prints
one JSON line: per deploy the seconds, the files uploaded, the bytes of the digest list, and the time spent
hashing (cold: no digest cache; warm: the cache kept by the first deploy).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_builder.netlify_deploy import DigestCache, NetlifyTarget, deploy, deploy_files, file_digests  # noqa: E402
from tests.netlify_standin import NetlifyStandIn  # noqa: E402


def make_site(root: Path, n: int) -> None:
    filler = "<p>" + "Des nouvelles du projet, des chiffres et des photos. " * 350 + "</p>"
    for i in range(n):
        page = root / "histoires" / f"histoire-{i}" / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<!doctype html><title>Histoire {i}</title>{filler}", encoding="utf-8")
    (root / "_redirects").write_text("/ancienne /histoires/histoire-1/ 301\n")


def touch(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(path.read_text() + "<!-- modifié -->")
        os.replace(tmp, path)  # as a build moves a changed file in


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    standin = NetlifyStandIn()
    report: dict = {"files": args.files, "load_before": os.getloadavg()[0]}
    try:
        with tempfile.TemporaryDirectory(prefix="vda-netlify-bench-") as scratch:
            site, cache = Path(scratch) / "public", Path(scratch) / "digests.json"
            make_site(site, args.files)
            t = time.perf_counter()
            file_digests(deploy_files(site), DigestCache(None))
            report["hash_cold_seconds"] = round(time.perf_counter() - t, 3)
            target = NetlifyTarget(token=standin.token, site_id=standin.site_id, api_url=standin.url, config_file=None)
            runs = []
            for label, changed in (("first", []), ("unchanged", []),
                                   ("three_changed", [f"histoires/histoire-{i}/index.html" for i in (0, 1, 2)])):
                touch(site, changed)
                started = time.perf_counter()
                result = deploy(site, target, digest_cache=cache)
                runs.append({"deploy": label, "seconds": round(time.perf_counter() - started, 3),
                             "uploaded": len(result.uploaded),
                             "digest_list_bytes": len(json.dumps({"files": standin.deploys[-1].files}))})
            t = time.perf_counter()
            file_digests(deploy_files(site), DigestCache(cache))
            report["hash_warm_seconds"] = round(time.perf_counter() - t, 3)
            report["runs"] = runs
    finally:
        standin.stop()
    report["load_after"] = os.getloadavg()[0]
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
