"""Read a built site the way a crawler does: pages, their links and images, and what is missing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup


@dataclass
class Page:
    path: Path
    url: str
    soup: BeautifulSoup

    @property
    def page_type(self) -> str | None:
        return self.soup.body.get("data-page-type") if self.soup.body else None


def load_pages(root: Path) -> dict[str, Page]:
    pages = {}
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root).as_posix()
        url = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        pages[url] = Page(path, url, BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser"))
    return pages


# Served by the CMS through the site's /donate/ proxy (site_builder/serve.py, the CDN), not files of the build.
ENDPOINT_PREFIX = "/donate/"


def resolve(root: Path, url: str) -> Path:
    path = urlsplit(url).path
    target = root / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


def internal(url: str, base_url: str) -> str | None:
    """The site-relative path of `url` if it points into the site, else None."""
    if not url or url.startswith(("#", "mailto:", "tel:", "data:")):
        return None
    if url.startswith(base_url):
        return url[len(base_url):] or "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    if url.startswith(ENDPOINT_PREFIX):  # the CMS's donation endpoint and donor space, behind the proxy
        return None
    return url


def references(page: Page):
    """(kind, url) for every link and every resource the page loads."""
    for a in page.soup.find_all("a", href=True):
        yield "link", a["href"]
    for img in page.soup.find_all("img"):
        yield "image", img.get("src", "")
        for candidate in (img.get("srcset") or "").split(","):
            if candidate.strip():
                yield "image", candidate.strip().split()[0]
    for source in page.soup.find_all("source"):
        for candidate in (source.get("srcset") or "").split(","):
            if candidate.strip():
                yield "image", candidate.strip().split()[0]
    for link in page.soup.find_all("link", href=True):
        yield "resource", link["href"]
    for script in page.soup.find_all("script", src=True):
        yield "resource", script["src"]


def broken_references(root: Path, pages: dict[str, Page], base_url: str) -> list[str]:
    broken = []
    for page in pages.values():
        for kind, url in references(page):
            path = internal(url, base_url)
            if path is None:
                continue
            if not resolve(root, path).exists():
                broken.append(f"{page.url}: {kind} {url}")
    return broken


def third_party_loads(pages: dict[str, Page], base_url: str) -> list[str]:
    """Resources (not plain links) fetched from any other host: the site must load none."""
    found = []
    for page in pages.values():
        for kind, url in references(page):
            if kind == "link":
                continue
            if url.startswith(("http://", "https://", "//")) and not url.startswith(base_url):
                found.append(f"{page.url}: {kind} {url}")
    return found
