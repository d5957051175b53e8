"""Every parameter of a build, once: one frozen `BuildConfig`, its defaults here and nowhere else.

A build is shaped by a handful of values (where the API is, the site's public address, where media and the
donation endpoint live, the theme...). They used to be defaulted again in the CLI, in `build`, in
`build_incremental`, in the CMS's runner and in the route maker, with derived values (the live totals URL)
computed by each caller. Now each source fills a `BuildConfig` in one place:

- the command line: `site_builder.cli` (its flags, else the environment, through `from_environment`);
- the CMS (worker, `manage.py update_site`, preview): `cms/publishing/runner.py: build_config`, from settings;
- the environment: `BuildConfig.from_environment`, the only reader of the builder's variables.

What is derived (the API's origin, the live totals URL, the theme's stamp) is a property, never a second
parameter that could disagree. `output_params()` is what an incremental build compares with the last
build's: when one of these changes, every page may change, so the next build is a full one.

The giving pages are the builder's, not the CMS's: their URLs are the constants below (the CMS's donation
views import them for the thank-you link they hand to the form).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO_DIR = Path(__file__).resolve().parent.parent
DEFAULT_THEME = REPO_DIR / "themes" / "vision"
DEFAULT_CACHE = REPO_DIR / ".build-cache"
DEFAULT_BASE_URL = "http://127.0.0.1:8080"

DONATE_URL = "/donner/"  # the giving page (form for any project), made by the builder
DONOR_WALL_URL = "/donateurs/"  # the site-wide donor wall, made by the builder (routes/wall.py)
THANK_YOU_URL = "/donner/merci/"  # where a gift lands (`?don=<id>`), made by the builder
DONOR_SPACE_URL = "/donate/espace/"  # the donor space, on the site's own domain (its /donate/ proxy)
TOTALS_PATH = "/donate/totals.json"  # the donation endpoint's live totals, under its origin
# The donation endpoint's paths the site's forms and scripts call (cms/donations/API.md), under its origin.
DONATE_ENDPOINT_PATHS = {"pay_url": "/donate/pay/", "intents_url": "/donate/api/intents/",
                         "donations_url": "/donate/api/donations/"}


@dataclass(frozen=True)
class BuildConfig:
    """How to build the site (not what: that is the CMS's content). Frozen: a build never changes its own
    parameters half-way, and two builds with equal output params make the same files from the same pages."""

    api_url: str  # the CMS's GraphQL endpoint
    base_url: str = DEFAULT_BASE_URL  # public address of the site: canonical links, feed, sitemap
    media_url: str | None = None  # link images to this host instead of copying them into the site
    donate_api_base: str = ""  # origin of the donation endpoint; "" = the site's own /donate/ proxy
    theme: Path = DEFAULT_THEME
    cache_dir: Path = DEFAULT_CACHE  # media downloads and the incremental build's state
    workers: int | None = None  # render processes (None: one per core)
    strict: bool = False  # any page warning fails the build (and keeps the old site)
    api_token: str | None = field(default=None, repr=False)  # the CMS's build token (None: client.py's default)

    def __post_init__(self):
        # one spelling of each value, so equal configurations compare equal (and trailing slashes never
        # make a full rebuild or a double slash in a URL)
        set_ = functools.partial(object.__setattr__, self)
        set_("base_url", self.base_url.rstrip("/"))
        set_("donate_api_base", (self.donate_api_base or "").rstrip("/"))
        set_("media_url", self.media_url or None)
        set_("theme", Path(self.theme))
        set_("cache_dir", Path(self.cache_dir))

    @classmethod
    def of(cls, api: "str | BuildConfig", **options) -> "BuildConfig":
        """`api` is a whole configuration (then `options` override some of its fields) or the API's URL (then
        `options` are the other fields): `build(config, out)` and `build(api_url, out, base_url=…)` both work."""
        if isinstance(api, BuildConfig):
            return dataclasses.replace(api, **options) if options else api
        return cls(api_url=api, **options)

    @classmethod
    def from_environment(cls, api_url: str, environ=None, **explicit) -> "BuildConfig":
        """The builder's environment variables (README, Configuration): what `explicit` does not set."""
        environ = os.environ if environ is None else environ
        from_env = {"base_url": environ.get("SITE_BASE_URL") or None,
                    "media_url": environ.get("SITE_MEDIA_URL") or None,
                    "donate_api_base": environ.get("SITE_DONATE_API") or None,
                    "api_token": environ.get("SITE_BUILD_API_TOKEN") or None}
        values = {k: v for k, v in from_env.items() if v is not None}
        values.update({k: v for k, v in explicit.items() if v is not None})
        return cls(api_url=api_url, **values)

    # ---- derived: computed from the fields, never passed beside them --------------------------------

    @property
    def api_origin(self) -> str:
        """Where relative media URLs of the API's answers live."""
        return "{0.scheme}://{0.netloc}".format(urlsplit(self.api_url))

    @property
    def totals_url(self) -> str:
        """Where pages read live totals: the donation endpoint's origin, or the site's own /donate/ proxy."""
        return self.donate_api_base + TOTALS_PATH

    @property
    def donate_endpoints(self) -> dict:
        """{pay_url, intents_url, donations_url}: the no-JS form's target, where donate.js creates a gift,
        and the prefix of a gift's public status (thanks.js), all on the donation endpoint's origin."""
        return {name: self.donate_api_base + path for name, path in DONATE_ENDPOINT_PATHS.items()}

    @functools.cached_property
    def theme_stamp(self) -> str:
        """Templates, CSS and scripts: a change in the theme means every page may change. Read once per
        configuration (a build makes its configuration when it starts)."""
        from .state import theme_stamp

        return theme_stamp(self.theme)

    def output_params(self) -> dict:
        """Everything besides content that shapes the output: the incremental build compares these with the
        last build's (BuildState.params) and builds in full when one differs. Where the cache is, how many
        workers render, strictness and the token do not change a byte of the site, so they are left out."""
        return {"api_origin": self.api_origin, "base_url": self.base_url, "media_url": self.media_url,
                "theme": str(self.theme.resolve()), "theme_stamp": self.theme_stamp,
                "totals_url": self.totals_url, "donate_api_base": self.donate_api_base}
