"""The incremental model step: last build's routes, with only the routes a change touches made again.

`make_site` turns every page into routes; at 10,000 pages that takes about 0.3 s even with every normalised
value cached, and signing every route as long again, for a publish that changes three files. Most publishes
change one story or project and leave the site's structure as it was, so this module keeps the last build's
SiteData (in memory, `BuildState.site_data` and `route_index`) and makes again only:
- the routes of the changed pages and of the pages whose content shows them (a story citing a project), by
  running `make_site` itself on a small sub-site: those pages, the home and index pages, the projects they
  name (every project when the page of a completed one is made again: it suggests projects under way). Same code as a
  full build, same values;
- the project pages whose donor wall changed (routes/wall.py), and the site-wide wall `/donateurs/`;
- the listing routes that show a changed page's card (home, project and story indexes, giving pages, the
  feed), with the new card in place of the old one: membership and order cannot have moved (checked below);
- the routes showing money spent whose figures changed (a project's page for its own `projectSpending` row, the
  project index and pages carrying the "Bilan des dépenses" block for the whole), with the new figures;
and it signs those routes only. Everything else is the last build's, untouched.

When it cannot vouch for the result, `patch` returns None and the caller runs `make_site` on every page, as
before: pages added, removed, moved or reordered; a site-wide value changed (settings, giving rules, site
name); the home or an index page changed; a changed page changed what orders or groups pages (a story's date;
a project's status, theme, country, featured flag, title, slug, currency or beneficiaries; a standard page's
title or slug, which the menus show); a listing page's own content embeds a changed page; a strict build (its
warnings must cover every page, and a patched build reports only those of the pages it made again).
tests/test_changed_routes.py compares it with `make_site` after every kind of change.
"""

from __future__ import annotations

import dataclasses

from .build import add_redirects, make_site
from .normalize import PAGE_TYPES, MediaMap
from .routes import spending as money_spent
from .routes.wall import changed_slugs, is_wall_route, site_wall
from .site import Route, SiteData

PAGE_ROUTES = ("story", "project", "standard")  # one route per CMS page, made by the sub-site
SINGLETONS = ("home", "project_index", "story_index")  # what every page's breadcrumbs, SEO and menus need
PROJECT_STRUCTURE = ("status", "status_label", "featured", "theme", "country", "country_name", "beneficiaries",
                     "title", "slug", "currency", "url")  # orders, groups or names projects site-wide
SITE_WIDE = ("donationRules", "siteSettings", "settings")


@dataclasses.dataclass
class Patch:
    site_data: SiteData
    media: MediaMap
    signatures: dict  # every output file's signature (the last build's, except those made again)
    remade: list[Route]  # the routes made again: only these can be dirty
    moved_deps: list  # (output path, deps before, deps now) of the page routes made again


def index_routes(site_data: SiteData, order: list) -> dict:
    """What a patch needs to find its way in the last build's routes (kept beside them in the state)."""
    dependents: dict[str, set] = {}
    positions, singletons, projects = {}, {}, []
    for position, route in enumerate(site_data.routes):
        positions[route.output_path] = position
        for dep in route.deps:
            dependents.setdefault(str(dep), set()).add(route.output_path)
        if route.page_type in SINGLETONS and route.page_id:
            singletons.setdefault(route.page_type, route.page_id)
        elif route.page_type == "project":
            projects.append(route.page_id)
    return {"dependents": dependents, "positions": positions, "singletons": singletons, "projects": projects,
            "order": {page_id: position for position, page_id in enumerate(order)}}


def patch(state, raw: dict, stamps: dict, order: list, new_globals: dict, config,
          pulled: list | None = None) -> Patch | None:
    """The next SiteData from the last one (`state.site_data`, `state.route_index`), or None when it cannot
    vouch for it. `raw`, `stamps`, `order`: the merged pages of this build (the last build's, less those
    gone, plus those `pulled` again: their ids); the cache is `state.cache`."""
    old, index = state.site_data, state.route_index
    pulled = list(raw) if pulled is None else [str(i) for i in pulled]
    if old is None or index is None or order != state.order:
        return None
    if len(raw) != len(state.raw) or any(i not in state.raw for i in pulled):
        return None  # a page added (pulled, not in the last build) or gone (fewer pages)
    if any(new_globals.get(k) != state.globals.get(k) for k in SITE_WIDE):
        return None
    changed = {i for i in pulled if state.stamps.get(i) != stamps[i]}
    kinds = {i: PAGE_TYPES.get(raw[i].get("contentType")) for i in changed}
    if any(kind not in PAGE_ROUTES for kind in kinds.values()):
        return None
    for i, kind in kinds.items():
        before, after = state.raw[i], raw[i]
        if before.get("urlPath") != after.get("urlPath"):
            return None
        if kind == "story" and before.get("date") != after.get("date"):
            return None
        if kind == "standard" and (before.get("title"), before.get("slug")) != (after.get("title"), after.get("slug")):
            return None
    old_cards = {i: _card(state.cache, i) for i in changed if kinds[i] != "standard"}  # standard pages have none
    if any(card is None for card in old_cards.values()):
        return None

    positions, dependents = index["positions"], index["dependents"]
    touched = {path for i in changed for path in dependents.get(i, ())}
    touched_routes = [old.routes[positions[p]] for p in touched]
    listings = [r for r in touched_routes if r.page_type not in PAGE_ROUTES]
    for route in listings:  # a listing page whose own content embeds a changed page: not a card swap
        entry = state.cache.get(("page", route.page_id)) if route.page_id else None
        if entry is not None and any(ref in changed for ref, _stamp in entry.refs):
            return None
    walled = _walls_changed(state, new_globals, index)  # projects whose donor wall changed: made again
    remade_ids = changed | walled | {r.page_id for r in touched_routes if r.page_type in PAGE_ROUTES}
    sub_ids = remade_ids | set(index["singletons"].values()) | _projects_named(raw, remade_ids, index["projects"])
    if any((_card(state.cache, i) or {}).get("status") == "completed" for i in remade_ids):
        sub_ids |= set(index["projects"])  # a completed project's page suggests projects under way
    sub_pages = [raw[i] for i in sorted(sub_ids, key=index["order"].__getitem__)]  # in tree order
    sub_data, media = make_site(sub_pages, new_globals, config, stamps=stamps, cache=state.cache,
                                with_redirects=False)

    for i, before in old_cards.items():
        after = _card(state.cache, i)
        if kinds[i] == "project" and (after is None or any(before.get(k) != after.get(k) for k in PROJECT_STRUCTURE)):
            return None
    made = {r.output_path: r for r in sub_data.routes if r.page_id in remade_ids and r.page_type in PAGE_ROUTES}
    wanted = {p for p in touched if old.routes[positions[p]].page_type in PAGE_ROUTES}
    wanted |= {p for p, r in made.items() if r.page_id in changed or r.page_id in walled}
    if not wanted <= made.keys() or not made.keys() <= positions.keys():
        return None  # a page route appeared or vanished: not the same structure

    cards = {i: _card(state.cache, i) for i in old_cards}
    routes = list(old.routes)
    for path, route in made.items():
        routes[positions[path]] = route
    for route in listings:
        routes[positions[route.output_path]] = _with_cards(route, cards, new_globals)
    walls = {}  # /donateurs/, when the site-wide names changed: it shows nothing but them
    if site_wall(state.globals) != site_wall(new_globals):
        walls = {r.output_path: r for r in sub_data.routes if is_wall_route(r)}
    if not walls.keys() <= positions.keys():
        return None
    for path, route in walls.items():
        routes[positions[path]] = route
    _apply_totals(state, new_globals)
    spent = set()
    if money_spent.changed(state.globals, new_globals):  # the routes showing money spent (routes/spending.py)
        project_cards = [c for c in (_card(state.cache, i) for i in index["projects"]) if c]
        spent = {routes[p].output_path for p in money_spent.apply(routes, new_globals, media, project_cards)}
    remade = [routes[positions[p]] for p in touched | made.keys() | walls.keys() | spent]

    site_data = SiteData(site=old.site, routes=routes, warnings=sub_data.warnings,
                         stories=[cards.get(s["id"], s) for s in old.stories] if cards else old.stories)
    add_redirects(site_data, new_globals, [raw[i] for i in order if i in raw])  # `_redirects` is rewritten too
    signatures = dict(state.signatures)
    for route in remade:
        signatures[route.output_path] = route.signature(stamps, state.global_stamp)
    moved_deps = [(path, old.routes[positions[path]].deps, route.deps) for path, route in made.items()]
    return Patch(site_data=site_data, media=media, signatures=signatures, remade=remade, moved_deps=moved_deps)


def commit(state, patched: Patch) -> None:
    """The build succeeded: its routes are the next patch's starting point (a page's content may now show
    other pages than before, so its route moves in the dependents index)."""
    dependents = state.route_index["dependents"]
    for path, before, after in patched.moved_deps:
        for dep in before:
            dependents.get(str(dep), set()).discard(path)
        for dep in after:
            dependents.setdefault(str(dep), set()).add(path)
    state.site_data = patched.site_data


def _walls_changed(state, new_globals: dict, index: dict) -> set:
    """Ids of the projects whose names on the donor wall changed since the last build."""
    slugs = changed_slugs(state.globals, new_globals)
    if not slugs:
        return set()
    return {i for i in index["projects"] if (_card(state.cache, i) or {}).get("slug") in slugs}


def _card(cache, page_id: str):
    entry = cache.get(("card", page_id))
    return entry.value if entry is not None else None


def _projects_named(raw: dict, page_ids: set, projects: list) -> set:
    """Projects whose id appears anywhere in these pages' content (related projects, call-to-give blocks):
    the sub-site needs their cards. Image ids may collide with page ids: a project too many is harmless."""
    project_ids, found = set(projects), set()

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "id" and str(item) in project_ids:
                    found.add(str(item))
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for page_id in page_ids:
        walk(raw[page_id])
    return found


def _with_cards(route: Route, cards: dict, new_globals: dict) -> Route:
    """The listing route with the changed pages' new cards in its lists (home, indexes, giving pages)."""
    context = {key: [cards.get(item.get("id"), item) if isinstance(item, dict) else item for item in value]
               if isinstance(value, list) else value for key, value in route.context.items()}
    if route.page_type == "home" and "totals" in context:  # as make_site: money raised at build time
        summary = new_globals.get("siteTotals") or {}
        context["totals"] = dict(context["totals"], raised=summary.get("raised", 0),
                                 currency=summary.get("currency", "EUR"), donors=summary.get("donors", 0))
    return dataclasses.replace(route, context=context)


def _apply_totals(state, new_globals: dict) -> None:
    """Money raised on the cards, as make_site sets it: only the projects whose figures changed."""
    before = {(r["slug"], r.get("currency")): r for r in state.globals.get("donationTotals") or []}
    rows = [r for r in new_globals.get("donationTotals") or [] if before.get((r["slug"], r.get("currency"))) != r]
    if not rows:
        return
    by_slug = {card["slug"]: card for card in (_card(state.cache, i) for i in state.route_index["projects"]) if card}
    for row in rows:
        card = by_slug.get(row["slug"])
        if card is not None and row.get("currency") == card["currency"]:
            card["raised"], card["donors"] = row["raised"], row["donors"]
