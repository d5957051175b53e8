"""The incremental build: what an editor's publish runs, so the change is live in about a second.

1. Ask the CMS for every live page's version (`sitePageIndex`, one small query) and what every page shows
   (giving rules, settings); compare with the last build's state (site_builder.state).
2. Pull only the pages that are new, republished or moved, plus those the caller names (a changed image or
   snippet does not make a new page version; the CMS knows which pages use it and says so).
3. Make the routes: patch the last build's routes where the change shows (site_builder/changed_routes.py,
   proportional to the change), or, when the patch cannot vouch for it, make them from every page, reusing
   last build's normalised pages for everything unchanged; render only the files whose signature changed
   (a page, its index and pagination pages, the home page, pages that embed it, the feed and the sitemap),
   plus those that are missing.
4. Write them to a staging folder, then move in each file whose bytes differ and delete the files of pages
   that are gone. A failure before that step leaves the site as it was. The state is then written by a
   forked child (site_builder/state.py), after the files are live and without holding up the next build.

Anything the state cannot vouch for (no state yet, other build parameters, another theme) makes it a full
build, which `--full` also asks for.
"""

from __future__ import annotations

import contextlib
import filecmp
import gc
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from . import changed_routes, client, feeds, ledger, queries
from . import state as build_state
from .build import (GLOBAL_FIELDS, BuildError, BuildResult, _full_build, api_error_message, fetch_media,
                    make_site, render, route_signatures)
from .config import BuildConfig
from .site import NormalizationCache
from .state import content_stamp

log = logging.getLogger("site_builder")


def build_incremental(api_url: str | BuildConfig, out: Path, *, pages=(), **options) -> BuildResult:
    """`pages`: ids of pages to pull again even if their version did not change. `api_url` and `options`:
    as for `build` (the API's URL and BuildConfig's other fields, or a whole BuildConfig)."""
    config = BuildConfig.of(api_url, **options)
    out = Path(out)
    with build_state.locked(out, config.cache_dir), gc_paused():
        state = build_state.load(out, config.cache_dir)
        reason = ("no previous build" if state is None else
                  "the build parameters or the theme changed" if state.params != config.output_params() else
                  "the output folder is missing" if not (out / "index.html").exists() else "")
        if reason:
            result = _full_build(config, out)
            result.full_reason = reason
            return result
        return _incremental(config, out, state, pages)


def _incremental(config: BuildConfig, out: Path, state, forced) -> BuildResult:
    api_url, api_token = config.api_url, config.api_token
    result = BuildResult(out=out, kind="incremental")
    t0 = time.perf_counter()
    index_data, index_errors = client.fetch_partial(api_url, queries.SITE_INDEX, token=api_token)
    index = (index_data.get("sitePageIndex") or {}).get("pages") or []
    previous_ledger = getattr(state, "ledger", None) or {}  # (a state pickled before the ledger has none)
    ledger_pull = ledger.pull(api_url, api_token, previous_ledger)
    versions = dict(index)
    forced = {str(p) for p in forced}
    changed = sorted((i for i, v in versions.items() if state.versions.get(i) != v or i in forced),
                     key=lambda i: int(i) if i.isdigit() else 0)
    removed = [i for i in state.raw if i not in versions]
    fetched: list[dict] = []
    api_errors: list[dict] = list(index_errors)
    if changed:
        data, errors = client.fetch_partial(api_url, queries.SITE_PAGES, {"ids": changed}, token=api_token)
        fetched = [p for p in data.get("sitePages") or [] if p]
        api_errors += errors
        result.warnings += [api_error_message(e, data) for e in errors]
    result.timings["api_seconds"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    new_globals = {k: index_data.get(k) for k in GLOBAL_FIELDS}
    cache = state.cache
    if new_globals.get("donationRules") != state.globals.get("donationRules"):
        cache = NormalizationCache()  # project cards carry the rules' default amounts
    raw = {i: p for i, p in state.raw.items() if i not in removed}
    stamps = {i: s for i, s in state.stamps.items() if i not in removed}
    new_versions = {i: v for i, v in state.versions.items() if i not in removed}
    for page in fetched:
        page_id = str(page["id"])
        raw[page_id], stamps[page_id], new_versions[page_id] = page, content_stamp(page), versions.get(page_id)
    order = [i for i, _ in index]
    site_data, media, signatures, dirty, remember = model(state, out, raw, stamps, order, new_globals, config,
                                                          cache, config.strict, result, [p["id"] for p in fetched])
    dirty |= ledger.apply_to_routes(site_data, ledger_pull)  # project pages whose ledger figure changed
    result.warnings += site_data.warnings
    gone = sorted(p for p in state.signatures if p not in signatures)
    result.timings["model_seconds"] = time.perf_counter() - t1

    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.inc-", dir=out.parent))
    try:
        t2 = time.perf_counter()
        rendered = render(site_data, staging, config.theme, config.workers, only_urls=dirty)
        result.errors = rendered.get("errors", [])
        feeds.write_all(site_data, staging)
        ledger_memo = previous_ledger
        if ledger_pull is not None and ledger_pull.size:
            _files, sizes = ledger.stage(ledger_pull, staging, out, site_data, config.base_url,
                                         previous_ledger.get("checkpoint_sizes") or [], config.theme)
            ledger_memo = ledger_pull.memo(sizes)
        result.timings["render_seconds"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        if config.media_url is None:
            missing = {src: path for src, path in media.wanted.items() if not (out / path.lstrip("/")).exists()}
            result.media_files = fetch_media(missing, staging, config.cache_dir / "media")
        result.timings["media_seconds"] = time.perf_counter() - t3
        if config.strict and (result.errors or result.warnings):
            raise BuildError("strict build: " + "; ".join((result.errors + result.warnings)[:10]))
        t4 = time.perf_counter()
        appended = ledger.append(ledger_pull, out) if ledger_pull is not None and ledger_pull.size else []
        result.written = sorted(appended + move_changed_files(staging, out))
        result.deleted = delete_files(out, gone)
        result.timings["swap_seconds"] = time.perf_counter() - t4
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.pages = sum(1 for p in result.written if p.endswith(".html"))
    result.files_written = len(result.written)

    failed = set(rendered.get("failed_urls", []))
    for route in site_data.routes:
        if route.url in failed:
            signatures[route.output_path] = None
    state.raw, state.stamps, state.versions, state.order = raw, stamps, new_versions, order
    state.globals, state.signatures, state.cache = new_globals, signatures, cache
    state.ledger = ledger_memo
    remember()  # the routes the next build's patch starts from
    result.timings["total_seconds"] = time.perf_counter() - t0
    t5 = time.perf_counter()
    build_state.save(state, out, config.cache_dir, background=True)  # the files are live: write it off the clock
    result.timings["state_save_seconds"] = time.perf_counter() - t5
    return result


def model(state, out: Path, raw, stamps, order, new_globals, config: BuildConfig, cache, strict, result, pulled):
    """Routes, media, signatures, the URLs to render, and what to call once the build succeeded (it keeps
    the routes for the next build): patched from the last build's routes when changed_routes can vouch for
    it (proportional to the change), else made from every page."""
    patched = None
    if cache is state.cache and not strict:
        patched = changed_routes.patch(state, raw, stamps, order, new_globals, config, pulled)
    if patched is not None:
        result.model_step = "patched"
        dirty = {r.url for r in patched.remade if patched.signatures[r.output_path] !=
                 state.signatures.get(r.output_path) or not (out / r.output_path).exists()}
        return (patched.site_data, patched.media, patched.signatures, dirty,
                lambda: changed_routes.commit(state, patched))
    result.model_step = "every route"
    pages = [raw[i] for i in order if i in raw]
    site_data, media = make_site(pages, new_globals, config, stamps=stamps, cache=cache)
    signatures = route_signatures(site_data, stamps, config, set())
    dirty = {r.url for r in site_data.routes
             if signatures[r.output_path] != state.signatures.get(r.output_path) or not (out / r.output_path).exists()}
    return site_data, media, signatures, dirty, lambda: remember_routes(state, site_data)


def warm_up(config: BuildConfig, out: Path) -> None:
    """Read the last build's state and make its routes now (a worker starting), so that the first publish
    is patched like the others instead of reading the state and making every route on the editor's clock.
    A state made with other parameters is left alone: the next build is a full one anyway."""
    with build_state.locked(out, config.cache_dir), gc_paused():
        state = build_state.load(out, config.cache_dir)
        if state is None or state.site_data is not None or state.params != config.output_params():
            return
        site_data, _media = make_site(state.pages(), state.globals, config, stamps=state.stamps,
                                      cache=state.cache)
        remember_routes(state, site_data)


def remember_routes(state, site_data) -> None:
    """Keep what the next build's patch starts from (in memory only)."""
    state.site_data = site_data
    state.global_stamp = site_data.global_stamp() + state.params["theme_stamp"]
    state.route_index = changed_routes.index_routes(site_data, state.order)


@contextlib.contextmanager
def gc_paused():
    """The state of a large site is hundreds of MB of small objects: a full garbage-collector pass in the
    middle of a build costs up to a second (measured at 10,000 pages). Collect after the build instead."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def move_changed_files(staging: Path, out: Path) -> list[str]:
    """Move each staged file whose bytes differ from the live one into place (one rename each, so a reader
    gets the old file or the new one, never half of one). Returns the paths written."""
    written = []
    for folder, _dirs, files in os.walk(staging):
        for name in files:
            source = Path(folder) / name
            relative = source.relative_to(staging).as_posix()
            target = out / relative
            if target.exists() and filecmp.cmp(source, target, shallow=False):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            written.append(relative)
    return sorted(written)


def delete_files(out: Path, paths: list[str]) -> list[str]:
    deleted = []
    for relative in paths:
        target = out / relative
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        deleted.append(relative)
        parent = target.parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return deleted
