"""Story routes: the story index, paginated, and one page per story."""

from __future__ import annotations

import math

from ..site import STORIES_PER_PAGE
from .context import HOME_CRUMB, RouteContext


def index_page_url(index_url: str, number: int) -> str:
    return index_url if number == 1 else f"{index_url}page/{number}/"


def story_index_routes(ctx: RouteContext) -> None:
    raw = ctx.pages.story_index
    if not raw:
        return
    index_url, stories = raw["url"], ctx.stories
    num_pages = max(1, math.ceil(len(stories) / STORIES_PER_PAGE))
    # one list of the pages, shared by every page's pagination (made once, not once per page)
    all_pages = [{"number": i, "url": index_page_url(index_url, i)} for i in range(1, num_pages + 1)]
    for number in range(1, num_pages + 1):
        chunk = stories[(number - 1) * STORIES_PER_PAGE: number * STORIES_PER_PAGE]
        title = raw["title"] + ("" if number == 1 else f" — page {number}")
        page = {"title": title, "url": index_page_url(index_url, number), "intro": raw.get("intro", ""),
                "breadcrumbs": [HOME_CRUMB]}
        pagination = {"number": number, "num_pages": num_pages,
                      "previous_url": index_page_url(index_url, number - 1) if number > 1 else None,
                      "next_url": index_page_url(index_url, number + 1) if number < num_pages else None,
                      "pages": all_pages}
        ctx.add(raw, "story_index.html", "story_index", {"page": page, "stories": chunk, "pagination": pagination},
                description=raw.get("intro", ""), deps=[s["id"] for s in chunk], extra=[number, num_pages])


def story_page(ctx: RouteContext, raw: dict, card: dict) -> dict:
    """The story's page dictionary (CONTEXT.md, "story"): its card, its body and the projects it names."""
    n, index = ctx.n, ctx.pages.story_index
    page = dict(card)
    related = [str(r["id"]) for r in raw.get("relatedProjects") or [] if str(r["id"]) in ctx.projects]
    n.refs.update(related)
    page.update({
        "body": n.blocks(raw.get("body"), ctx.projects),
        "related_projects": [ctx.projects[r] for r in related],
        "breadcrumbs": [HOME_CRUMB] + ([{"title": index["title"], "url": index["url"]}] if index else []),
    })
    return page


def story_routes(ctx: RouteContext) -> None:
    index_id = str(ctx.pages.story_index["id"]) if ctx.pages.story_index else None
    for raw, card in zip(ctx.pages.stories, ctx.stories):
        page = ctx.norm.cached("page", raw, lambda: story_page(ctx, raw, card), refs=[index_id])
        ctx.add(raw, "story.html", "story", {"page": page}, image=card["hero"], description=card["intro"],
                deps=ctx.norm.refs_of[str(raw["id"])])
