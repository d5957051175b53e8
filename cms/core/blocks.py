"""StreamField blocks shared by stories, projects and standard pages.

Every block is a StructBlock registered with grapple, so the API types each one (`ImageBlock`, `QuoteBlock`…)
and the builder knows exactly what it receives. A block is defined here once: content/*.yaml loads through
its definition (core/content_streams.py), and tests/test_blocks_single_source.py fails when a block type is
missing from the builder's GraphQL fragment (site_builder/queries.py), its normaliser table
(site_builder/blocks.py) or the theme's `block` macro (themes/vision/templates/macros.html).
Choosers go through `PrefetchingChooserMixin` so a bulk read of many pages resolves all their images and
pages in one query per model (see core/stream_cache.py).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from grapple.helpers import register_streamfield_block
from grapple.models import GraphQLBoolean, GraphQLDocument, GraphQLImage, GraphQLPage, GraphQLString
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from .stream_cache import PrefetchingChooserMixin, cache_inactive

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]
VIDEO_PROVIDERS = {
    "youtube": re.compile(r"^https://(www\.)?(youtube\.com/watch\?v=|youtu\.be/)[\w-]{6,}"),
    "vimeo": re.compile(r"^https://(www\.)?vimeo\.com/\d+"),
    "peertube": re.compile(r"^https://[\w.-]+/(w|videos/watch)/[\w-]+"),
}


class SiteImageChooserBlock(PrefetchingChooserMixin, ImageChooserBlock):
    pass


class SitePageChooserBlock(PrefetchingChooserMixin, blocks.PageChooserBlock):
    pass


class SiteDocumentChooserBlock(PrefetchingChooserMixin, DocumentChooserBlock):
    pass


@register_streamfield_block
class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("titre"), max_length=120)
    level = blocks.ChoiceBlock(choices=[("2", "H2"), ("3", "H3")], default="2", label=_("niveau"))

    graphql_fields = [GraphQLString("text", required=True), GraphQLString("level", required=True)]

    class Meta:
        icon = "title"
        label = _("Intertitre")


@register_streamfield_block
class ImageBlock(blocks.StructBlock):
    image = SiteImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("légende"), required=False, max_length=250)
    credit = blocks.CharBlock(label=_("crédit"), required=False, max_length=120,
                              help_text=_("Laisser vide pour reprendre le crédit de l'image."))

    graphql_fields = [GraphQLImage("image", required=True), GraphQLString("caption"), GraphQLString("credit")]

    class Meta:
        icon = "image"
        label = _("Image")


@register_streamfield_block
class GalleryItemBlock(blocks.StructBlock):
    image = SiteImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("légende"), required=False, max_length=250)

    graphql_fields = [GraphQLImage("image", required=True), GraphQLString("caption")]


class GalleryBlock(blocks.ListBlock):
    def __init__(self, **kwargs):
        super().__init__(GalleryItemBlock(), min_num=2, max_num=24, **kwargs)

    class Meta:
        icon = "image"
        label = _("Galerie")


@register_streamfield_block
class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("citation"), max_length=600)
    attribution = blocks.CharBlock(label=_("auteur"), max_length=120)
    role = blocks.CharBlock(label=_("rôle ou lieu"), required=False, max_length=120,
                            help_text=_("Ex. : « Présidente du comité de l'eau, Kaya »."))

    graphql_fields = [GraphQLString("text", required=True), GraphQLString("attribution", required=True),
                      GraphQLString("role")]

    class Meta:
        icon = "openquote"
        label = _("Citation")


@register_streamfield_block
class VideoBlock(blocks.StructBlock):
    """A video shown as a poster that links to the video: no iframe and no oEmbed call, so the site
    makes no request to the video host until the visitor chooses to watch (privacy, speed, offline tests)."""

    url = blocks.URLBlock(label=_("adresse de la vidéo"),
                          help_text=_("YouTube, Vimeo ou PeerTube, ex. https://vimeo.com/123456"))
    title = blocks.CharBlock(label=_("titre"), max_length=160)
    poster = SiteImageChooserBlock(label=_("image d'aperçu"), required=False)
    transcript = blocks.TextBlock(label=_("transcription"), required=False,
                                  help_text=_("Texte de la vidéo, pour l'accessibilité."))

    graphql_fields = [GraphQLString("url", required=True), GraphQLString("title", required=True),
                      GraphQLString("provider", required=True), GraphQLImage("poster"),
                      GraphQLString("transcript")]

    def provider(self, info, values, **kwargs):
        return video_provider(values.get("url") or "")

    def clean(self, value):
        value = super().clean(value)
        if not video_provider(value.get("url") or ""):
            raise blocks.StructBlockValidationError(block_errors={"url": ValidationError(
                _("Adresse non reconnue : utilisez un lien YouTube, Vimeo ou PeerTube en https."))})
        return value

    class Meta:
        icon = "media"
        label = _("Vidéo")


def video_provider(url: str) -> str:
    for name, pattern in VIDEO_PROVIDERS.items():
        if pattern.match(url):
            return name
    return ""


@register_streamfield_block
class KeyFigureBlock(blocks.StructBlock):
    value = blocks.CharBlock(label=_("chiffre"), max_length=20, help_text=_("Ex. : 1 200 ou 85"))
    unit = blocks.CharBlock(label=_("unité"), required=False, max_length=30, help_text=_("Ex. : %, km, élèves"))
    text = blocks.CharBlock(label=_("libellé"), max_length=140, help_text=_("Ex. : familles ont accès à l'eau"))

    graphql_fields = [GraphQLString("value", required=True), GraphQLString("unit"),
                      GraphQLString("text", required=True)]

    class Meta:
        icon = "pick"
        label = _("Chiffre clé")
        yaml_aliases = {"label": "text"}  # content/*.yaml name it `label`, like a project's key figures


@register_streamfield_block
class CallToGiveBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("message"), max_length=200,
                            help_text=_("Ex. : « Aidez-nous à équiper trois autres écoles »."))
    button_label = blocks.CharBlock(label=_("bouton"), max_length=40, default="Je donne")
    project = SitePageChooserBlock(label=_("projet"), page_type="projects.ProjectPage", required=False)

    graphql_fields = [GraphQLString("text", required=True), GraphQLString("button_label", required=True),
                      GraphQLPage("project", source="published_project")]

    def published_project(self, info, values, **kwargs):
        """The chosen project, or None once it is unpublished or private: the API never reveals a draft."""
        page = values.get("project")
        if page is None or not cache_inactive():
            return page  # bulk reads load only live, public pages (core/stream_cache.py)
        return page if page.live and not page.get_view_restrictions().exists() else None

    class Meta:
        icon = "pick"
        label = _("Appel au don")


@register_streamfield_block
class DocumentBlock(blocks.StructBlock):
    document = SiteDocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("titre affiché"), required=False, max_length=160)

    graphql_fields = [GraphQLDocument("document", required=True), GraphQLString("title"),
                      GraphQLString("file_url", required=True)]

    def file_url(self, info, values, **kwargs):
        """The file itself from storage (local media or S3), not Wagtail's serve view on the CMS host."""
        document = values.get("document")
        return document.file.url if document else ""

    class Meta:
        icon = "doc-full"
        label = _("Document")
        yaml_aliases = {"file": "document"}  # content/*.yaml: the file's name in content/documents/


@register_streamfield_block
class SpendingSummaryBlock(blocks.StructBlock):
    """The NGO's money spent, placed by editors where they want it (the transparency page): planned, raised
    and spent for the whole NGO, and a table per project. It carries no figures: the builder fills them from
    the API's spending at every build (site_builder/routes/spending.py), so they are never stale."""

    heading = blocks.CharBlock(label=_("titre"), max_length=120, default="Bilan des dépenses")
    show_projects = blocks.BooleanBlock(label=_("détail par projet"), required=False, default=True,
                                        help_text=_("Afficher le tableau projet par projet sous les totaux."))

    graphql_fields = [GraphQLString("heading", required=True), GraphQLBoolean("show_projects", required=True)]

    class Meta:
        icon = "table"
        label = _("Bilan des dépenses")


class BodyBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Texte"))
    heading = HeadingBlock()
    image = ImageBlock()
    gallery = GalleryBlock()
    quote = QuoteBlock()
    video = VideoBlock()
    key_figure = KeyFigureBlock()
    cta = CallToGiveBlock()
    document = DocumentBlock()

    class Meta:
        block_counts = {}


class StandardBodyBlock(BodyBlock):
    """A standard page's body: the shared blocks, and the spending summary (only these pages show it)."""

    spending_summary = SpendingSummaryBlock()


class UpdatePhotosBlock(blocks.StreamBlock):
    image = ImageBlock()

