"""One build: pull the API, turn pages into routes, render with Pelican, add media, feed, sitemap and
robots.txt, then swap the new site in. The output folder is replaced only once everything is written, so
a failed build leaves the previous site as it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from . import client, feeds, ledger, redirects
from . import state as build_state
from .config import DEFAULT_THEME, BuildConfig
from .filters import FILTERS
from .normalize import MediaMap
from .pull import pull_site
from .routes import site_routes
from .site import NormalizationCache, SiteData
from .state import BuildState, content_stamp

log = logging.getLogger("site_builder")


class BuildError(RuntimeError):
    pass


@dataclass
class BuildResult:
    out: Path
    kind: str = "full"  # or "incremental"
    pages: int = 0
    files_written: int = 0
    media_files: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)  # output paths written (incremental: changed files only)
    deleted: list[str] = field(default_factory=list)  # output paths removed (pages unpublished, moved, deleted)
    full_reason: str = ""  # why an incremental build had to be a full one
    model_step: str = ""  # incremental: "patched" (site_builder/changed_routes.py) or "every route"


def pelican_settings(site_data: SiteData, output: Path, theme: Path, scratch: Path, result: dict,
                     workers: int | None, only_urls: set[str] | None = None) -> dict:
    from pelican.settings import read_settings

    empty_content = scratch / "content"
    empty_content.mkdir(exist_ok=True)
    off = ""  # Pelican's own listing pages are switched off: the CMS owns the structure
    return read_settings(override={
        "PATH": str(empty_content), "OUTPUT_PATH": str(output), "THEME": str(theme),
        "SITEURL": site_data.site["base_url"], "SITENAME": site_data.site["name"],
        "DEFAULT_LANG": "fr", "TIMEZONE": "Europe/Paris",
        "PLUGINS": ["site_builder.pelican_plugin"],
        "JINJA_ENVIRONMENT": {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True},
        "JINJA_FILTERS": FILTERS,
        "DIRECT_TEMPLATES": [], "PAGINATED_TEMPLATES": {},
        "ARTICLE_SAVE_AS": off, "ARTICLE_LANG_SAVE_AS": off, "DRAFT_SAVE_AS": off, "DRAFT_LANG_SAVE_AS": off,
        "PAGE_SAVE_AS": off, "PAGE_LANG_SAVE_AS": off, "DRAFT_PAGE_SAVE_AS": off,
        "DRAFT_PAGE_LANG_SAVE_AS": off,
        "TAG_SAVE_AS": off, "TAGS_SAVE_AS": off, "CATEGORY_SAVE_AS": off, "CATEGORIES_SAVE_AS": off,
        "AUTHOR_SAVE_AS": off, "AUTHORS_SAVE_AS": off, "ARCHIVES_SAVE_AS": off, "INDEX_SAVE_AS": off,
        "FEED_ALL_ATOM": None, "CATEGORY_FEED_ATOM": None, "TRANSLATION_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None, "AUTHOR_FEED_RSS": None,
        "THEME_STATIC_PATHS": [], "STATIC_PATHS": [],
        "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False, "CACHE_PATH": str(scratch / "cache"),
        "DELETE_OUTPUT_DIRECTORY": False,
        "VDA_SITE": site_data, "VDA_RESULT": result, "VDA_WORKERS": workers, "VDA_ONLY_URLS": only_urls,
    })


@contextlib.contextmanager
def pelican_console_quiet():
    """Pelican prints a summary about articles it did not process; our CLI prints its own (and JSON)."""
    from pelican.log import console

    quiet = console.quiet
    console.quiet = True
    try:
        yield
    finally:
        console.quiet = quiet


def render(site_data: SiteData, output: Path, theme: Path = DEFAULT_THEME, workers: int | None = None,
           only_urls: set[str] | None = None) -> dict:
    """Render every route (or those in `only_urls`) into `output` with Pelican.
    Returns {written: [...], errors: [...], failed_urls: [...]}."""
    from pelican import Pelican

    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="vda-pelican-") as scratch:
        settings = pelican_settings(site_data, output, theme, Path(scratch), result, workers, only_urls)
        logging.getLogger("pelican").setLevel(logging.WARNING)
        with pelican_console_quiet():
            Pelican(settings).run()
    return result


def fetch_media(wanted: dict[str, str], output: Path, cache_dir: Path) -> int:
    """Copy each asset into the output, downloading only what the cache lacks (renditions never change
    under the same name, so the cache is safe to keep between builds)."""
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))
    session.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=16))

    def one(item):
        source, path = item
        cached = cache_dir / urlsplit(source).netloc.replace(":", "_") / path.lstrip("/")
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            try:
                response = session.get(source, timeout=60)
            except requests.RequestException as exc:
                return f"{source}: {exc.__class__.__name__}"
            if response.status_code != 200:
                return f"{source}: HTTP {response.status_code}"
            tmp = cached.with_suffix(cached.suffix + ".part")
            tmp.write_bytes(response.content)
            os.replace(tmp, cached)
        target = output / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(cached, target)
        except OSError:
            shutil.copyfile(cached, target)
        return None

    with ThreadPoolExecutor(max_workers=16) as pool:
        problems = [p for p in pool.map(one, wanted.items()) if p]
    if problems:
        raise BuildError("media could not be fetched: " + "; ".join(problems[:5]))
    return len(wanted)


def swap_in(new: Path, out: Path) -> None:
    """Replace `out` by `new` with two renames: readers see the old site or the new one, never a mix."""
    out = out.resolve()
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
        os.rename(new, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(new, out)


def api_error_message(error: dict, data: dict) -> str:
    """Name the page a field error belongs to, so an editor knows what to fix."""
    path = error.get("path") or []
    if len(path) > 1 and path[0] == "sitePages" and isinstance(path[1], int):
        pages = data.get("sitePages") or []
        if path[1] < len(pages) and pages[path[1]]:
            title = pages[path[1]].get("title", "?")
            return f"page « {title} »: {client.describe(error)}"
    return client.describe(error)


def make_site(pages: list[dict], globals_: dict, config: BuildConfig, *, stamps: dict | None = None,
              cache: NormalizationCache | None = None, with_redirects: bool = True) -> tuple[SiteData, MediaMap]:
    """The API's answer -> routes. Full builds, incremental builds and the CMS preview all go through here.
    `with_redirects=False`: for a part of the site (changed_routes.py), whose redirects are the whole site's."""
    media = MediaMap(api_origin=config.api_origin, media_url=config.media_url)
    site_data = site_routes(pages, globals_, config, media, stamps=stamps, cache=cache)
    if with_redirects:
        add_redirects(site_data, globals_, pages)
    return site_data, media


def add_redirects(site_data: SiteData, globals_: dict, pages: list[dict]) -> None:
    """The `_redirects` rules of the whole site: they depend on every route (a rule never shadows a page)."""
    site_data.redirects, redirect_warnings = redirects.for_site(globals_.get("redirects"), pages, site_data)
    site_data.warnings += redirect_warnings


GLOBAL_FIELDS = ("donationRules", "donationTotals", "siteTotals", "siteSettings", "settings", "redirects",
                 "projectSpending", "siteSpending", "donorWall")


def build(api_url: str | BuildConfig, out: Path, **options) -> BuildResult:
    """The full build: every page from one pull, written to a new folder swapped in whole.

    `api_url`: the CMS's GraphQL endpoint, `options` being BuildConfig's other fields (base_url, media_url,
    cache_dir, api_token…), or a whole BuildConfig (then `options` override some of it)."""
    from .incremental import gc_paused  # (incremental imports this module)

    config = BuildConfig.of(api_url, **options)
    # the pull and the model are millions of small objects that live to the end: the collector's passes
    # over them free nothing (as in incremental builds)
    with build_state.locked(out, config.cache_dir), gc_paused():
        return _full_build(config, Path(out))


def _full_build(config: BuildConfig, out: Path) -> BuildResult:
    result = BuildResult(out=out, kind="full")
    t0 = time.perf_counter()
    pulled = pull_site(config.api_url, token=config.api_token, describe_error=api_error_message)
    ledger_pull = ledger.pull(config.api_url, config.api_token, None)
    result.timings["api_seconds"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    state = BuildState(params=config.output_params(), globals={k: pulled.index.get(k) for k in GLOBAL_FIELDS})
    for page in pulled.pages:
        state.raw[str(page["id"])] = page
        state.stamps[str(page["id"])] = content_stamp(page)
    index = (pulled.index.get("sitePageIndex") or {}).get("pages") or []
    state.order = [page_id for page_id, _ in index]
    # a page the API could not answer gets no version: the next build asks for it again
    state.versions = {page_id: version for page_id, version in index if page_id in state.raw}
    site_data, media = make_site(state.pages(), state.globals, config, stamps=state.stamps, cache=state.cache)
    ledger.apply_to_routes(site_data, ledger_pull)
    result.warnings = pulled.errors + site_data.warnings
    result.timings["model_seconds"] = time.perf_counter() - t1

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        t2 = time.perf_counter()
        rendered = render(site_data, staging, config.theme, config.workers)
        result.errors = rendered.get("errors", [])
        written = rendered.get("written", [])
        written += feeds.write_all(site_data, staging)
        if ledger_pull is not None and ledger_pull.size:
            ledger_files, sizes = ledger.stage(ledger_pull, staging, None, site_data, config.base_url, [],
                                               config.theme)
            written += ledger_files
            state.ledger = ledger_pull.memo(sizes)
        result.timings["render_seconds"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        if config.media_url is None:
            result.media_files = fetch_media(media.wanted, staging, config.cache_dir / "media")
        result.timings["media_seconds"] = time.perf_counter() - t3
        if config.strict and (result.errors or result.warnings):
            raise BuildError("strict build: " + "; ".join((result.errors + result.warnings)[:10]))
        if not any(r.url == "/" for r in site_data.routes) or "index.html" not in written:
            raise BuildError("the home page was not built: the previous site is kept")
        result.pages = len(written)
        result.files_written = len(written) + result.media_files
        result.written = written
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    state.signatures = route_signatures(site_data, state.stamps, config, set(rendered.get("failed_urls", [])))
    build_state.save(state, out, config.cache_dir)
    result.timings["total_seconds"] = time.perf_counter() - t0
    return result


def route_signatures(site_data: SiteData, stamps: dict, config: BuildConfig, failed_urls: set[str]) -> dict:
    """Output file -> signature; a page that failed to render gets none, so the next build tries it again."""
    global_stamp = site_data.global_stamp() + config.theme_stamp
    return {r.output_path: (None if r.url in failed_urls else r.signature(stamps, global_stamp))
            for r in site_data.routes}
