"""How a page is previewed on the site (wagtail-headless-preview), with tokens that expire: the package signs
them with a timestamp but never checks their age. A content concern: the page models mix it in; the
publishing app renders what it points to (publishing/preview.py)."""

from django.conf import settings
from wagtail_headless_preview.models import HeadlessPreviewMixin


class SitePreviewMixin(HeadlessPreviewMixin):
    """The editor's "Preview" shows /preview/?content_type=…&token=…, rendered by the site's own theme."""

    @classmethod
    def get_page_from_preview_token(cls, token: str):
        cls.get_preview_signer().unsign(token, max_age=settings.PREVIEW_TOKEN_MAX_AGE)  # raises when stale
        return super().get_page_from_preview_token(token)
