"""Redirects: how a moved or renamed page never 404s on the static site.

Wagtail keeps redirects (`wagtail.contrib.redirects`): the ones editors enter, and the ones it creates by
itself when a page's slug changes or a page moves (`WAGTAILREDIRECTS_AUTO_CREATE`, on by default). The
builder pulls the public ones with the site (GraphQL `redirects`; cms/api/visibility.py drops those that lead
to a draft or private page) and writes them into the output as `_redirects`, Netlify's format, one rule a
line: `/old/path /new/path/ 301`. The local server (site_builder/serve.py) reads the same file and answers
the same rules, so the demo behaves as production does.

What this module guarantees about the file, whatever editors typed:
- one rule per line, three fields: paths are percent-encoded (no space, newline, `#`, non-ASCII character),
  and Netlify's own syntax (`:placeholder`, `*` splats, `!` force) can never appear in a path, so an old
  path is matched literally;
- a redirect never shadows a page: a rule whose old path is a page or a file of the site is left out
  (Netlify's rule for a rule without `!`: an existing file wins; serve.py also looks for the file first);
- only the default site's redirects, to a page of the site (mapped to its path on the static site: the
  home page's tree path is stripped, as for every page) or to an absolute http(s) URL;
- nothing under `/donate/`, which the CDN passes to the CMS (netlify.toml), nor old paths with a query
  string (Netlify would need its own query syntax for them), nor paths over MAX_PATH characters: those are
  left out with a warning on the build;
- the same redirects give the same bytes (rules sorted), so an unchanged file is neither moved in by an
  incremental build nor uploaded again to Netlify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from .normalize import site_path

REDIRECTS_FILE = "_redirects"
MAX_PATH = 1024  # characters, once encoded: longer old paths are no page anyone links to
RESERVED_PREFIXES = ("/donate/",)  # proxied to the CMS by the CDN (netlify.toml) and by serve.py
# RFC 3986 path characters that browsers send as they are and that mean nothing in `_redirects`;
# everything else (spaces, `#`, `%`, `:`, `*`, `?`, non-ASCII…) is percent-encoded.
PATH_SAFE = "/-._~!$&'()+,;=@"
HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")  # a DNS name, after IDNA
# Files every build writes besides the routes (site_builder.feeds): no redirect may take their place.
FIXED_FILES = ("/sitemap.xml", "/robots.txt", "/feeds/histoires.atom.xml", "/" + REDIRECTS_FILE)
HEADER = "# Redirections des pages déplacées ou renommées (Wagtail). Fichier écrit par site_builder/redirects.py.\n"


@dataclass(frozen=True, order=True)
class Rule:
    source: str  # site path, percent-encoded, without trailing slash (e.g. /projets/ancien-nom)
    target: str  # site path (/projets/nouveau-nom/) or absolute URL, percent-encoded
    status: int  # 301 (permanent) or 302

    def line(self) -> str:
        return f"{self.source} {self.target} {self.status}"


def encode_path(path: str) -> str:
    """A path as browsers send it and as the file holds it: percent-encoded once. Wagtail stores old paths
    as IRIs (`uri_to_iri`: non-ASCII characters decoded, `%20`, `%0A`, `%23`… kept encoded) and a request
    arrives as a URI: decoding then encoding gives both the same form."""
    return quote(unquote(path), safe=PATH_SAFE)


def source_key(path: str) -> str:
    """The form old paths are compared in: encoded, no trailing slash (Wagtail stores them so, and Netlify
    matches a rule with or without the trailing slash)."""
    encoded = encode_path(path)
    return encoded.rstrip("/") or "/"


def encode_url(url: str) -> str | None:
    """An absolute http(s) URL made safe for one field of the file; None when it is not one. The fragment
    is dropped (a `#` would start a comment for some readers; browsers keep the request's own)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (ValueError, UnicodeError):
        return None
    if parts.scheme not in ("http", "https") or not HOST.fullmatch(host):
        return None
    netloc = host + (f":{port}" if port else "")
    query = quote(unquote(parts.query), safe="=&+,;/-._~!$'()@")
    return urlunsplit((parts.scheme, netloc, encode_path(parts.path or "/"), query, ""))


def _target(redirect: dict, root_path: str) -> str | None:
    page = redirect.get("page")
    if page:
        return encode_path(site_path(page["urlPath"], root_path))
    if redirect.get("newUrl"):
        return encode_url(redirect["newUrl"])
    return None


def rules_from_api(redirects: list[dict] | None, root_path: str, site_paths: set[str]) -> tuple[list[Rule], list[str]]:
    """The API's redirects -> the rules to write, and a warning for each one left out for a reason an
    editor can fix. `site_paths`: every path the site serves (pages and files), which no rule may shadow."""
    shadowed = {source_key(p) for p in site_paths}
    rules: dict[str, Rule] = {}
    warnings: list[str] = []
    for redirect in redirects or []:
        if not redirect or not (redirect.get("site") or {}).get("isDefaultSite", True):
            continue
        old_path = redirect.get("oldPath") or ""
        source = source_key(old_path)
        if "?" in old_path:
            warnings.append(f"redirection « {old_path[:100]} » : les adresses avec paramètres (?…) ne sont pas "
                            "reprises sur le site statique")
            continue
        if len(source) > MAX_PATH:
            warnings.append(f"redirection « {old_path[:100]}… » : adresse de plus de {MAX_PATH} caractères, ignorée")
            continue
        if source == "/" or source in shadowed or any((source + "/").startswith(p) for p in RESERVED_PREFIXES):
            continue  # a page of the site (or the CMS's proxied endpoint) answers there: it wins
        target = _target(redirect, root_path)
        if target is None or target.rstrip("/") == source:
            continue
        rule = Rule(source, target, 301 if redirect.get("isPermanent", True) else 302)
        rules.setdefault(source, rule)  # the first wins, as in Wagtail's lookup
    return sorted(rules.values()), warnings


def render(rules: list[Rule]) -> str:
    return HEADER + "".join(rule.line() + "\n" for rule in rules)


def parse(text: str) -> dict[str, Rule]:
    """`_redirects` -> {source: rule}; lines this module did not write (comments, other syntax) are skipped."""
    rules = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 3 or line.startswith("#") or not fields[2].isdigit():
            continue
        source = source_key(fields[0])
        rules.setdefault(source, Rule(source, fields[1], int(fields[2])))
    return rules


def write(rules: list[Rule], out: Path) -> str:
    (Path(out) / REDIRECTS_FILE).write_text(render(rules), encoding="utf-8")
    return REDIRECTS_FILE


def for_site(redirects: list[dict] | None, pages: list[dict], site_data) -> tuple[list[Rule], list[str]]:
    """The rules of one build: old paths are site paths already (Wagtail's, relative to the site's root);
    target pages are mapped from their tree path like every page (home page's prefix stripped)."""
    home = next((p for p in pages if p and p.get("contentType") == "core.HomePage"), None)
    root_path = home["urlPath"] if home else "/"
    served = {route.url for route in site_data.routes} | set(FIXED_FILES)
    return rules_from_api(redirects, root_path, served)
