"""The `site` dictionary every template gets (themes/vision/CONTEXT.md, "Globals"): name, navigation, the
giving rules, and `urls`, the addresses of the pages templates link to by role.

`urls` come from the build: the project and story indexes are where the CMS put them (their slugs), the
giving pages are the builder's (config.DONATE_URL, config.THANK_YOU_URL), so renaming a page in the CMS
never leaves a template linking to its old address. A role the site lacks (no story index) is None, and
templates leave its links out.
"""

from __future__ import annotations

from ..config import DONATE_URL, DONOR_SPACE_URL, THANK_YOU_URL, BuildConfig
from ..feeds import FEED_PATH
from .context import PagesByKind

NAV_STANDARD_SLUGS = ("a-propos", "transparence")  # standard pages the main menu shows beside the indexes


def site_urls(pages: PagesByKind) -> dict:
    return {
        "home": "/",
        "projects": pages.project_index["url"] if pages.project_index else None,
        "stories": pages.story_index["url"] if pages.story_index else None,
        "donate": DONATE_URL,
        "thank_you": THANK_YOU_URL,
        "feed": "/" + FEED_PATH,
    }


def menu_links(items) -> list[dict]:
    """The API's menu (public links only) as the theme's `{title, url}`: a page by its path on this site,
    so its link and `aria-current` hold whatever `--base-url` is; an address as the editor typed it."""
    return [{"title": item["title"], "url": item.get("path") or item["url"]} for item in items or [] if item]


def navigation(pages: PagesByKind, settings: dict) -> tuple[list[dict], list[dict]]:
    """(main menu, footer menu): the editors' menus (Réglages du site); without them (a CMS older than its
    menus), the two indexes and a few standard pages, and every standard page."""
    nav = menu_links(settings.get("mainMenu"))
    if not nav:
        nav = [{"title": r["title"], "url": r["url"]} for r in (pages.project_index, pages.story_index) if r]
        nav += [{"title": r["title"], "url": r["url"]} for r in pages.standard if r["slug"] in NAV_STANDARD_SLUGS]
    footer_nav = menu_links(settings.get("footerMenu")) or [{"title": r["title"], "url": r["url"]}
                                                            for r in pages.standard]
    return nav, footer_nav


def donate_settings(config: BuildConfig, rules: dict, open_projects: list[dict]) -> dict:
    """What the donation form needs: where the endpoint is, and the endpoint's own rules (GraphQL
    donationRules), so the form never promises what the server refuses."""
    return {
        "api_base": config.donate_api_base,
        **config.donate_endpoints,
        "space_url": DONOR_SPACE_URL,  # where donors see, change or stop their gifts
        "min_amount": {c: r["minAmount"] for c, r in rules.items()},
        "max_amount": {c: r["maxAmount"] for c, r in rules.items()},
        "fee_rate_bp": next(iter(rules.values()), {}).get("feeRateBp", 0),
        "fee_fixed": {c: r["feeFixed"] for c, r in rules.items()},
        "projects": [{"slug": p["slug"], "title": p["title"], "currency": p["currency"]} for p in open_projects],
    }


def site_globals(pages: PagesByKind, globals_: dict, config: BuildConfig, *, rules: dict, projects: dict,
                 open_projects: list[dict], home_hero: dict | None) -> dict:
    settings = globals_.get("settings") or {}
    sites = globals_.get("siteSettings") or []
    home = pages.home or {}
    nav, footer_nav = navigation(pages, settings)
    return {
        "name": (sites[0].get("siteName") if sites else None) or "Vision d'Amour",
        "tagline": settings.get("tagline") or "", "base_url": config.base_url, "lang": "fr",
        "description": home.get("searchDescription") or home.get("intro", ""),
        "nav": nav, "footer_nav": footer_nav, "contact_email": settings.get("contactEmail") or "",
        "transparency_note": settings.get("transparencyNote") or "",
        "social_image": home_hero, "totals_url": config.totals_url,
        "feed_url": "/" + FEED_PATH,
        "urls": site_urls(pages),
        "donate": donate_settings(config, rules, open_projects),
        "project_themes": sorted({p["theme"]["slug"]: p["theme"] for p in projects.values()
                                  if p["theme"]["slug"]}.values(), key=lambda t: t["slug"]),
    }
