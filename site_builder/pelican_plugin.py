"""A Pelican plugin whose generator renders the CMS's pages with the theme.

Pelican gives the theme loading, the Jinja environment (with our filters), the settings and the signals;
its own readers, Markdown and listing pages (tags, categories, archives) are switched off: structured CMS
content needs none of them, and they cost as much as the pages themselves. Rendering runs on every core:
after `fork`, each worker renders its share of the routes from the same in-memory data.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from .assets import build_assets
from .render_speed import FragmentMemo, QuickEscapeTemplate, dict_first_getattr

PARALLEL_THRESHOLD = 300  # below this, starting workers costs more than it saves


SAFE_SLUG = re.compile(r"^[a-z0-9-]+$")
SAFE_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def theme_colours_css(themes: list[dict]) -> str:
    """The colour editors chose for each project theme, as a stylesheet (the CSP forbids inline styles).
    Slugs and colours are checked again here, so nothing from the CMS can escape into CSS."""
    rules = [f".theme--{t['slug']} .badge__dot {{ background: {t['color']}; }}"
             for t in themes if SAFE_SLUG.match(t.get("slug") or "") and SAFE_COLOUR.match(t.get("color") or "")]
    return "\n".join(rules) + "\n"


_forked_generator = None  # the generator whose routes forked workers render (set just before the fork)


def _render_share_in_worker(args):
    """A worker's entry point. A bound method would be pickled with its generator (the whole site's data,
    and the compiled templates, which do not pickle) for every task; after fork the worker already has it."""
    return _forked_generator._render_share(args)


class ApiPagesGenerator(Generator):
    """Renders `settings['VDA_SITE'].routes` (built by site_builder.site) into the output folder."""

    speedups = True  # False: Jinja's own getattr and escaping, no fragment reuse (the tests' reference)

    def generate_context(self):
        self.site_data = self.settings["VDA_SITE"]
        self.only_urls = self.settings.get("VDA_ONLY_URLS")
        theme_static = Path(self.theme) / "static"
        self.built_assets = build_assets(theme_static) if theme_static.is_dir() else {}
        self.assets = {rel: hashed for rel, (hashed, _data) in self.built_assets.items()}
        self.theme_colours_css = theme_colours_css(self.site_data.site.get("project_themes") or [])
        digest = hashlib.sha256(self.theme_colours_css.encode()).hexdigest()[:10]
        self.theme_colours_path = f"css/project-themes.{digest}.css"
        # one build's (or preview's) fragments: never another build's data
        self.memo = FragmentMemo(enabled=self.speedups)
        self.env.globals.update(site=self.site_data.site, asset=self.asset_url,
                                theme_colours_url="/theme/" + self.theme_colours_path, memo=self.memo)
        if self.speedups:  # same bytes, less CPU (site_builder/render_speed.py)
            if "getattr" not in vars(self.env):  # Jinja's answers, fast on the theme's dicts
                self.env.getattr = dict_first_getattr(self.env)
            if self.env.template_class is not QuickEscapeTemplate:  # the same escaping, less CPU per value
                self.env.template_class = QuickEscapeTemplate
                self.env.cache.clear()
        self.errors: list[str] = []
        self.written: list[str] = []
        self.failed_urls: list[str] = []

    def asset_url(self, path: str) -> str:
        return "/theme/" + self.assets.get(path, path)

    def render_route(self, route) -> str:
        """One page's HTML: what the build writes, and what the CMS preview shows."""
        template = self.get_template(route.template.rsplit(".", 1)[0])
        return template.render(page_type=route.page_type, **route.context)

    def _render(self, routes) -> tuple[list[str], list[str]]:
        written, errors = [], []
        output = Path(self.output_path)
        for route in routes:
            try:
                html = self.render_route(route)
            except Exception as exc:  # one broken page must not stop the others: report it by name
                errors.append(f"page « {route.source} » ({route.url}): {type(exc).__name__}: {exc}")
                self.failed_urls.append(route.url)
                continue
            target = output / route.output_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
            written.append(route.output_path)
        return written, errors

    def _render_share(self, args):
        index, workers = args
        return (*self._render(self._routes[index::workers]), self.failed_urls)

    def generate_output(self, writer):
        routes = self.site_data.routes
        if self.only_urls is not None:
            routes = [r for r in routes if r.url in self.only_urls]
        self._routes = routes
        workers = int(self.settings.get("VDA_WORKERS") or os.cpu_count() or 1)
        if workers > 1 and len(routes) >= PARALLEL_THRESHOLD and "fork" in multiprocessing.get_all_start_methods():
            self._compile_templates()
            global _forked_generator
            _forked_generator = self  # the workers inherit it: only (share, workers) is sent to them
            try:
                with multiprocessing.get_context("fork").Pool(workers) as pool:
                    results = pool.map(_render_share_in_worker, [(i, workers) for i in range(workers)])
            finally:
                _forked_generator = None
        else:
            results = [(*self._render(routes), [])]
        for written, errors, failed in results:
            self.written.extend(written)
            self.errors.extend(errors)
            self.failed_urls.extend(u for u in failed if u not in self.failed_urls)
        self._copy_assets()
        self.settings["VDA_RESULT"].update(written=self.written, errors=self.errors, failed_urls=self.failed_urls)

    def _compile_templates(self):
        """Compile every theme template once, before forking: each worker would otherwise compile them all
        again (Jinja's parse and compile of the theme is a few tenths of a second per process). The theme
        does not change during a build, so the workers need not check its files either."""
        from jinja2 import TemplateError

        self.env.auto_reload = False
        for name in self.env.list_templates(extensions=["html"]):
            if name.startswith("!"):  # Pelican's own templates ("!simple/…"): the theme does not use them
                continue
            try:
                self.env.get_template(name)
            except TemplateError:
                pass  # reported, by page, when a route renders it

    def _copy_assets(self):
        colours = Path(self.output_path) / "theme" / self.theme_colours_path
        colours.parent.mkdir(parents=True, exist_ok=True)
        colours.write_text(self.theme_colours_css, encoding="utf-8")
        for hashed, data in self.built_assets.values():
            target = Path(self.output_path) / "theme" / hashed
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def get_generators(pelican):
    return ApiPagesGenerator


def register():
    signals.get_generators.connect(get_generators)
