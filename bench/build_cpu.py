"""CPU seconds of each step of a full build, in one process: the figures a shared machine cannot blur.

    python bench/build_cpu.py --reuse DIR [--profile render|pull|model] [--out DIR]

DIR is a site made by `bench/build_scale.py --reuse DIR` (its SQLite database and media). The CMS answers
through Django's test client in this same process (no HTTP, no gunicorn), so `pull` is the CMS's CPU to
resolve every chunk plus the builder's to decode it; `model` is site_routes; `render` renders every route in
this process (one worker, so process_time counts it all); feeds and the sitemap are in `render` as in build.py.
Media are not fetched. `--out` keeps the rendered pages (diff them between two versions of the code).
Prints one JSON line of CPU seconds (time.process_time) per step.
"""

from __future__ import annotations

import argparse
import cProfile
import contextlib
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]


class _Answer:
    def __init__(self, response):
        self.status_code = response.status_code
        self._content = response.content

    def json(self):
        return json.loads(self._content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", type=Path, required=True)
    parser.add_argument("--profile", choices=("pull", "model", "render"), default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="pull and render this many times (the best is kept)")
    parser.add_argument("--load", type=Path, default=None, help="skip the pull: read the answers --dump wrote")
    parser.add_argument("--dump", type=Path, default=None, help="write the API's answers here (to diff them)")
    args = parser.parse_args()
    workdir = args.reuse
    os.environ.update(DJANGO_SETTINGS_MODULE="cms.config.settings.test", VDA_VAR_DIR=str(workdir),
                      WAGTAILSEARCH_AUTO_UPDATE="0", MEDIA_ROOT=str(workdir / "media"),
                      WAGTAILADMIN_BASE_URL="http://127.0.0.1")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from site_builder import build as build_mod
    from site_builder import client as client_mod
    from site_builder import feeds
    from site_builder.config import BuildConfig
    from site_builder.incremental import gc_paused
    from site_builder.pull import pull_site
    from site_builder.state import BuildState, content_stamp

    django_client = Client()

    def post(url, json=None, timeout=None, headers=None):  # noqa: A002 - requests' signature
        import json as json_mod

        return _Answer(django_client.post("/graphql/", json_mod.dumps(json), content_type="application/json",
                                          HTTP_AUTHORIZATION=f"Bearer {settings.SITE_BUILD_API_TOKEN}"))

    client_mod.requests.post = post
    config = BuildConfig(api_url="http://127.0.0.1:9/graphql/", workers=1)
    profiler = cProfile.Profile()
    times = {}

    @contextlib.contextmanager
    def step(name):
        if args.profile == name:
            profiler.enable()
        t = time.process_time()
        yield
        times[name] = round(time.process_time() - t, 3)
        if args.profile == name:
            profiler.disable()

    with gc_paused():
        best_pull = None
        for _ in range(0 if args.load else args.repeat):
            with step("pull"):
                pulled = pull_site(config.api_url, concurrency=1, describe_error=build_mod.api_error_message)
            best_pull = times["pull"] if best_pull is None else min(best_pull, times["pull"])
        times["pull"] = best_pull
        if args.load:
            times.pop("pull", None)
        if args.load:
            from site_builder.pull import SitePull

            saved = json.loads(args.load.read_text())
            pulled = SitePull(index=saved["index"], pages=saved["pages"], errors=saved["errors"])
        if args.dump:
            args.dump.write_text(json.dumps({"index": pulled.index, "pages": pulled.pages,
                                             "errors": pulled.errors}, sort_keys=True, indent=0))
        with step("model"):
            state = BuildState(params=config.output_params(),
                               globals={k: pulled.index.get(k) for k in build_mod.GLOBAL_FIELDS})
            for page in pulled.pages:
                state.raw[str(page["id"])] = page
                state.stamps[str(page["id"])] = content_stamp(page)
            index = (pulled.index.get("sitePageIndex") or {}).get("pages") or []
            state.order = [page_id for page_id, _ in index]
            site_data, _media = build_mod.make_site(state.pages(), state.globals, config, stamps=state.stamps,
                                                    cache=state.cache)
        best = None
        for _ in range(args.repeat):
            out = Path(tempfile.mkdtemp(prefix="vda-cpu-")) if args.out is None else args.out
            with step("render"):
                rendered = build_mod.render(site_data, out, config.theme, 1)
                rendered["written"] += feeds.write_all(site_data, out)
            best = times["render"] if best is None else min(best, times["render"])
        times["render"] = best
    if args.profile:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
    print(json.dumps({"pages": len(rendered["written"]), "errors": len(rendered["errors"]),
                      **{f"{k}_cpu": v for k, v in times.items()},
                      "total_cpu": round(sum(v for v in times.values() if v), 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
