"""Rich text links never point at what is not public.

Wagtail renders `<a linktype="page" id="…">` with the linked page's URL whatever its state, so a live
story linking to a draft printed the draft's address (its slug: often its title) in the API; a link to a
document of a private collection printed that document's address and file name. These handlers render
such links as a plain `<a>` (the text stays, the address goes), the same rule as every other field of the
API (api/visibility.py). Published pages and public documents render as Wagtail renders them.
"""

from __future__ import annotations

from django.utils.html import escape
from wagtail.documents.rich_text import DocumentLinkHandler
from wagtail.rich_text.pages import PageLinkHandler

from .visibility import visible


class PublicPageLinkHandler(PageLinkHandler):
    @classmethod
    def expand_db_attributes_many(cls, attrs_list: list[dict]) -> list[str]:
        links = []
        for page in cls.get_many(attrs_list):
            target = page.localized if page is not None else None
            links.append('<a href="%s">' % escape(target.url) if target is not None and visible(target)
                         and target.url else "<a>")
        return links


class PublicDocumentLinkHandler(DocumentLinkHandler):
    @classmethod
    def expand_db_attributes_many(cls, attrs_list: list[dict]) -> list[str]:
        return ['<a href="%s">' % escape(doc.url) if doc is not None and visible(doc) else "<a>"
                for doc in cls.get_many(attrs_list)]
