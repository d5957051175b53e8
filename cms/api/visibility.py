"""What the public API may show: live, public content only, whichever field leads to it.

A page is public when it is live, below the tree root and neither it nor an ancestor has a view
restriction (password, login, groups). An image or a document is public when its collection is: Wagtail's
collection privacy covers sub-collections too, which grapple's own filters (`view_restrictions__isnull`)
miss. A snippet with a draft state is public once live; a redirect only when it leads to a public page.

`visible(obj)` answers for any object a resolver returns. The restricted page paths and the private
collections are read once per request (two small queries, whatever the number of objects checked) while a
`scope()` is open: the GraphQL view and the in-process preview open one through `prefetch.request_scope`.
Outside a scope every check reads them again, which is correct, only slower.
"""

from __future__ import annotations

import contextlib
import contextvars

from wagtail.models import Collection, CollectionViewRestriction, DraftStateMixin, Page, PageViewRestriction

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("api_visibility", default=None)


@contextlib.contextmanager
def scope():
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _once(key: str, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def restricted_page_paths() -> tuple[str, ...]:
    """Tree paths of every page that carries a view restriction (its descendants share the prefix)."""
    return _once("pages", lambda: tuple(PageViewRestriction.objects.values_list("page__path", flat=True)))


def private_collection_ids() -> frozenset[int]:
    def compute():
        paths = list(CollectionViewRestriction.objects.values_list("collection__path", flat=True))
        if not paths:
            return frozenset()
        return frozenset(pk for pk, path in Collection.objects.values_list("pk", "path")
                         if path.startswith(tuple(paths)))

    return _once("collections", compute)


def page_visible(page: Page) -> bool:
    if not page.live or (page.depth or 0) <= 1:
        return False
    restricted = restricted_page_paths()
    return not (restricted and page.path.startswith(restricted))


def collection_visible(collection_id) -> bool:
    return collection_id not in private_collection_ids()


def visible(obj) -> bool:
    """Whether the public API may return `obj` (anything but pages, media, collections, redirects and
    draftable snippets is public by nature: totals, settings, tags of public things, blocks)."""
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents.models import AbstractDocument
    from wagtail.images.models import AbstractImage

    if isinstance(obj, Page):
        return page_visible(obj)
    if isinstance(obj, (AbstractImage, AbstractDocument)):
        return collection_visible(obj.collection_id)
    if isinstance(obj, Collection):
        return collection_visible(obj.pk)
    if isinstance(obj, Redirect):
        return obj.redirect_page_id is None or page_visible(obj.redirect_page)
    if isinstance(obj, DraftStateMixin):
        return bool(obj.live)
    return True


def public_pages(queryset=None):
    """The same rule in SQL, for resolvers that build their own querysets."""
    return (queryset if queryset is not None else Page.objects.all()).live().public().filter(depth__gt=1)


def public_in_collections(queryset):
    private = private_collection_ids()
    return queryset.exclude(collection_id__in=private) if private else queryset
