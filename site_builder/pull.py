"""The full build's pull: the page index first, then every page in chunks fetched side by side.

One `sitePages` request for the whole site keeps one CMS process busy for most of the build while the
builder waits, and the other core idles: graphene resolves fields one at a time (about 3 ms per page), so
the pull is CPU in one process. The CMS runs several processes (gunicorn workers), so the builder asks
`sitePageIndex` (one small query) for every live page's id, splits the ids into chunks in tree order, and
fetches them with `sitePages(ids: …)`, `concurrency` at a time: each CMS process resolves its own chunk,
and the builder decodes the chunks already received meanwhile. The queries are the same contract as
before (site_builder/queries.py, with the build token); the answer is the same pages in the same order.

A field error in a chunk is reported by the page's title, as with one request; a refused chunk fails the
whole build (the previous site is kept).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import client, queries

CHUNK_PAGES = 250  # big enough that a request's fixed cost (parse, checks, ~36 SQL queries) stays small
CONCURRENCY = 2  # requests in flight: the CMS's worker processes (production: gunicorn --workers 2)


@dataclass
class SitePull:
    index: dict  # the SITE_INDEX answer: sitePageIndex and the globals
    pages: list[dict] = field(default_factory=list)  # every page answered, in the index's (tree) order
    errors: list[str] = field(default_factory=list)  # field errors, named after their page


def chunks(ids: list[str], size: int) -> list[list[str]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def pull_site(api_url: str, *, token: str | None = None, chunk_pages: int = CHUNK_PAGES,
              concurrency: int = CONCURRENCY, describe_error=None) -> SitePull:
    """`describe_error(error, data)` names the page a field error belongs to (build.api_error_message)."""
    describe_error = describe_error or (lambda error, data: client.describe(error))
    index_data, index_errors = client.fetch_partial(api_url, queries.SITE_INDEX, token=token)
    result = SitePull(index=index_data, errors=[describe_error(e, index_data) for e in index_errors])
    ids = [page_id for page_id, _version in (index_data.get("sitePageIndex") or {}).get("pages") or []]

    def one(chunk: list[str]) -> tuple[list[dict], list[str]]:
        data, errors = client.fetch_partial(api_url, queries.SITE_PAGES, {"ids": chunk}, token=token)
        return [p for p in data.get("sitePages") or [] if p], [describe_error(e, data) for e in errors]

    parts = chunks(ids, max(1, chunk_pages))
    if len(parts) <= 1 or concurrency <= 1:
        answers = [one(part) for part in parts]
    else:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="pull") as pool:
            answers = list(pool.map(one, parts))
    position = {page_id: i for i, page_id in enumerate(ids)}
    for pages, errors in answers:
        result.pages.extend(pages)
        result.errors.extend(errors)
    result.pages.sort(key=lambda p: position.get(str(p["id"]), len(position)))
    return result
