"""site_builder.site on plain data: ordering and pagination rules that hold whatever the CMS returns."""

from site_builder.normalize import MediaMap
from site_builder.site import STORIES_PER_PAGE, build_site


def page(page_id, content_type, url_path, **fields):
    return {"id": str(page_id), "title": f"Page {page_id}", "slug": url_path.strip("/").split("/")[-1],
            "urlPath": url_path, "contentType": content_type, **fields}


def site(stories):
    pages = [page(1, "core.HomePage", "/accueil/", intro="Bienvenue"),
             page(2, "stories.StoryIndexPage", "/accueil/histoires/", intro="")] + stories
    return build_site(pages, base_url="https://www.example.org", media=MediaMap(api_origin="http://cms"))


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
