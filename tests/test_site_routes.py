"""site_builder.routes on plain data: ordering and pagination rules that hold whatever the CMS returns."""

from site_builder.build import make_site
from site_builder.config import BuildConfig
from site_builder.site import STORIES_PER_PAGE


def page(page_id, content_type, url_path, **fields):
    return {"id": str(page_id), "title": f"Page {page_id}", "slug": url_path.strip("/").split("/")[-1],
            "urlPath": url_path, "contentType": content_type, **fields}


def site(stories):
    pages = [page(1, "core.HomePage", "/accueil/", intro="Bienvenue"),
             page(2, "stories.StoryIndexPage", "/accueil/histoires/", intro="")] + stories
    return make_site(pages, {}, BuildConfig(api_url="http://cms/graphql/", base_url="https://www.example.org"))[0]


def story(page_id, date):
    return page(page_id, "stories.StoryPage", f"/accueil/histoires/h-{page_id}/", date=date, intro="", tags=[])


def test_same_day_stories_are_ordered_by_numeric_id():
    data = site([story(999, "2026-01-05"), story(1000, "2026-01-05"), story(5, "2026-01-04")])
    assert [s["id"] for s in data.stories] == ["1000", "999", "5"]


def test_pagination_pages_list_every_page_once_and_share_it():
    data = site([story(i, f"2026-01-{1 + i % 28:02d}") for i in range(10, 10 + 3 * STORIES_PER_PAGE + 1)])
    indexes = [r for r in data.routes if r.page_type == "story_index"]
    assert [r.url for r in indexes] == ["/histoires/", "/histoires/page/2/", "/histoires/page/3/",
                                       "/histoires/page/4/"]
    pages = indexes[0].context["pagination"]["pages"]
    assert [p["url"] for p in pages] == [r.url for r in indexes]
    assert all(r.context["pagination"]["pages"] is pages for r in indexes)
    listed = [s["id"] for r in indexes for s in r.context["stories"]]
    assert sorted(listed) == sorted(s["id"] for s in data.stories) and len(set(listed)) == len(listed)


def test_a_paginated_story_index_is_rendered_with_its_navigation(tmp_path):
    """More stories than one page holds: the Pelican render of the plain-data site writes one index per
    page, each listing its own stories (newest first), with a labelled pagination nav linking every page,
    the current one marked, and rel=prev/next steps."""
    from site_builder.build import render
    from tests import sitecheck

    count = 2 * STORIES_PER_PAGE + 3  # three pages, the last one short
    data = site([story(i, f"2026-02-{1 + i % 28:02d}") for i in range(100, 100 + count)])
    result = render(data, tmp_path, workers=1)
    assert result["errors"] == []
    pages = sitecheck.load_pages(tmp_path)
    urls = ["/histoires/", "/histoires/page/2/", "/histoires/page/3/"]
    assert [u for u in pages if u.startswith("/histoires/") and pages[u].page_type == "story_index"] == sorted(urls)
    newest_first = [s["url"] for s in data.stories]
    for number, url in enumerate(urls, start=1):
        soup = pages[url].soup
        listed = [a["href"] for a in soup.select(".grid--stories a.card__link")]
        assert listed == newest_first[(number - 1) * STORIES_PER_PAGE: number * STORIES_PER_PAGE], url
        nav = soup.find("nav", attrs={"aria-label": "Pagination"})
        assert nav is not None, url
        assert [a["href"] for a in nav.select("ol a")] == urls
        current = nav.select("a[aria-current=page]")
        assert [a["href"] for a in current] == [url] and current[0].get_text(strip=True) == str(number)
        prev, nxt = nav.find("a", rel="prev"), nav.find("a", rel="next")
        assert (prev["href"] if prev else None) == (urls[number - 2] if number > 1 else None), url
        assert (nxt["href"] if nxt else None) == (urls[number] if number < len(urls) else None), url
        assert soup.find("link", rel="canonical")["href"] == "https://www.example.org" + url
    assert len(listed) == count - 2 * STORIES_PER_PAGE
    assert sorted(a for u in urls for a in (x["href"] for x in pages[u].soup.select(".grid--stories a.card__link"))) \
        == sorted(newest_first) and len(newest_first) == count
