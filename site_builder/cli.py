"""`python -m site_builder build --api URL --out DIR`: the command editors' publishes and CI run.

The CMS answers the builder's bulk fields only with its build token: set SITE_BUILD_API_TOKEN in the
environment (never on the command line, where other users of the machine can read it)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import verify_ledger
from .build import BuildError, build
from .client import ApiError
from .config import BuildConfig
from .incremental import build_incremental


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m site_builder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="pull the API and bring the site up to date (only what changed, when a "
                                     "previous build of the same folder is known)")
    b.add_argument("--api", required=True, help="GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql/ "
                                                   "(the build token comes from SITE_BUILD_API_TOKEN)")
    b.add_argument("--out", required=True, type=Path, help="output folder (replaced atomically)")
    # Flags left out take the environment's value, else BuildConfig's default (config.py): defaults live there.
    b.add_argument("--base-url", help="public address of the site, for canonical links, the feed and the sitemap "
                                      "(default: SITE_BASE_URL, else http://127.0.0.1:8080)")
    b.add_argument("--media-url", help="link images to this host instead of copying them into the output "
                                       "(default: SITE_MEDIA_URL)")
    b.add_argument("--donate-api", help="origin of the donation endpoint (default: SITE_DONATE_API; empty = same "
                                        "origin, via the CDN's /donate/ proxy)")
    b.add_argument("--theme", type=Path, help="theme folder (default: themes/vision)")
    b.add_argument("--workers", type=int, default=None, help="render processes (default: one per core)")
    b.add_argument("--strict", action="store_true", help="fail (and keep the old site) on any page warning")
    b.add_argument("--full", action="store_true", help="rebuild every page (default: only what changed)")
    b.add_argument("--pages", default="", help="comma-separated page ids to pull again even if unchanged "
                                                "(pages showing an image or snippet that changed)")
    b.add_argument("--json", action="store_true", help="print the result as one JSON line")
    v = sub.add_parser("verify-ledger", help="check the public ledger a site publishes (signatures, root, "
                                             "consistency of every checkpoint, totals, and one gift's inclusion)")
    verify_ledger.add_arguments(v)
    args = parser.parse_args(argv)
    if args.command == "verify-ledger":
        return verify_ledger.run(args)

    config = config_from_args(args)
    try:
        if args.full:
            result = build(config, args.out)
        else:
            pages = [p.strip() for p in args.pages.split(",") if p.strip()]
            result = build_incremental(config, args.out, pages=pages)
    except (ApiError, BuildError) as exc:
        print(f"build failed, the previous site is unchanged: {exc}", file=sys.stderr)
        return 1
    for line in result.warnings + result.errors:
        print(f"warning: {line}", file=sys.stderr)
    summary = {"out": str(result.out), "kind": result.kind, "pages": result.pages,
               "files_written": result.files_written, "files_deleted": len(result.deleted),
               "media_files": result.media_files, "errors": len(result.errors), "warnings": len(result.warnings),
               **{k: round(v, 3) for k, v in result.timings.items()}}
    if args.json:
        print(json.dumps(summary))
    else:
        what = "built" if result.kind == "full" else "updated"
        print(f"{what} {result.pages} pages and {result.media_files} media files into {result.out} "
              f"in {summary['total_seconds']} s ({len(result.errors)} page errors, {len(result.warnings)} warnings"
              + (f", {len(result.deleted)} files removed" if result.deleted else "") + ")"
              + (f"; full build: {result.full_reason}" if result.full_reason else ""))
    return 0


def config_from_args(args: argparse.Namespace, environ=None) -> BuildConfig:
    """The command line's BuildConfig: its flags, else the environment (BuildConfig.from_environment)."""
    return BuildConfig.from_environment(args.api, environ, base_url=args.base_url, media_url=args.media_url,
                                        donate_api_base=args.donate_api, theme=args.theme, workers=args.workers,
                                        strict=args.strict or None)
