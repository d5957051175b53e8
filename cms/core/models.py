"""The home page and plain pages (about us, transparency, legal): the frame around projects and stories."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from grapple.models import GraphQLField, GraphQLImage, GraphQLStreamfield, GraphQLString
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList, TabbedInterface
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, Site
from wagtail.search import index

from cms.core.preview import SitePreviewMixin
from .blocks import BodyBlock, StandardBodyBlock
from .forms import SiteSettingsForm
from .navigation import MenuLink, public_links, validate_link_url


class PublicSiteURLMixin:
    """Pages are read on the static site (settings.SITE_BASE_URL), never on the CMS, which only edits them.

    Wagtail derives every page URL it shows from `get_url_parts()`: the admin's "Voir la page publiée" and
    "Visualiser la version publiée", the page listing's live links, the status side panel, the choosers, the
    redirects app's targets, grapple's `url` field. Out of the box that is the Wagtail Site's host (the CMS)
    plus `reverse("wagtail_serve")`, and `url` drops the host when there is one Site: every link opened the
    page on the CMS, which has no templates for pages (500 TemplateDoesNotExist). Here the root is the
    public site's and the path is the one the builder writes (`site_builder.normalize.site_path`: the tree
    path below the site's home page), without reversing a CMS route; `url` is always absolute, because the
    admin and the site are never on the same host.
    """

    def get_url_parts(self, request=None):
        roots = self._get_relevant_site_root_paths(request)
        if not roots:
            return None  # not under a site's home page: not on the public site
        chosen = roots[0]  # Wagtail orders them most specific first
        if len({r.site_id for r in roots}) > 1 and isinstance(request, HttpRequest):
            current = Site.find_for_request(request)
            chosen = next((r for r in roots if current and r.site_id == current.pk), chosen)
        return chosen.site_id, settings.SITE_BASE_URL, "/" + self.url_path[len(chosen.root_path):]

    def get_url(self, request=None, current_site=None):
        return self.get_full_url(request=request)

    url = property(get_url)

    def relative_url(self, current_site, request=None):
        return self.get_full_url(request=request)


class HomePage(PublicSiteURLMixin, SitePreviewMixin, Page):
    intro = models.TextField(_("accroche"), max_length=400,
                             help_text=_("Deux phrases au plus, affichées sur l'image d'accueil."))
    hero_image = models.ForeignKey("multimedia.CustomImage", verbose_name=_("image d'accueil"),
                                   null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("contenu"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("hero_image"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    graphql_fields = [
        GraphQLString("intro", required=True), GraphQLImage("hero_image"), GraphQLStreamfield("body"),
    ]

    max_count_per_parent = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("page d'accueil")


class IndexPage(PublicSiteURLMixin, SitePreviewMixin, Page):
    """A list page (projects, stories): an introduction, and the site builder lists the children."""

    intro = models.TextField(_("introduction"), max_length=600, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    graphql_fields = [GraphQLString("intro")]
    parent_page_types = ["core.HomePage"]
    max_count_per_parent = 1

    class Meta:
        abstract = True


class StandardPage(PublicSiteURLMixin, SitePreviewMixin, Page):
    intro = models.TextField(_("introduction"), max_length=600, blank=True)
    body = StreamField(StandardBodyBlock(), verbose_name=_("contenu"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    graphql_fields = [GraphQLString("intro"), GraphQLStreamfield("body")]

    parent_page_types = ["core.HomePage", "core.StandardPage"]
    subpage_types = ["core.StandardPage"]

    class Meta:
        verbose_name = _("page simple")
        verbose_name_plural = _("pages simples")


class ContentFingerprint(models.Model):
    """The digest of each item `load_content` loaded, so a second run changes nothing (core/content_loader.py)."""

    key = models.CharField(max_length=255, unique=True)
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.key


# The demo's bank details and address: a well-known specimen IBAN (valid check digits, no real account),
# a made-up BIC and street. Real ones are typed by staff in Paramètres > Réglages du site.
DEMO_IBAN = "FR76 3000 6000 0112 3456 7890 189"
DEMO_BIC = "DEMOFRPPXXX"
DEMO_BANK_HOLDER = "Vision d'Amour (compte de démonstration)"
DEMO_POSTAL_ADDRESS = "Vision d'Amour – Service donateurs\n12 rue de la Démonstration\n75011 Paris"


# The editor's order; the same on SQLite and PostgreSQL for rows written without a position (NULLs differ).
MENU_ORDER = (models.F("sort_order").asc(nulls_last=True), "pk")


@register_setting(icon="site")
class SiteSettings(ClusterableModel, BaseGenericSetting):
    """What appears on every page and that editors may change without a developer: the signature, the
    contact, the main menu and the footer's links (core/navigation.py), the details for gifts without a card.

    A ClusterableModel so the menus are InlinePanels of the same form: one "Enregistrer" saves the whole
    frame of the site, and the one `post_save` of this model asks for the full build that frame needs."""

    tagline = models.CharField(_("signature"), max_length=120, default="",
                               help_text=_("Une phrase courte sous le nom, ex. « Ensemble, changer des vies »."))
    contact_email = models.EmailField(_("adresse de contact"), default="contact@example.org")
    transparency_note = models.CharField(
        _("note de transparence"), max_length=300, blank=True,
        help_text=_("Affichée en pied de page, ex. « 82 % des dons financent directement les projets »."))

    # Giving without a card (donations/offline.py): what the transfer and cheque pages tell the donor. The
    # defaults are a demo's, and the pages say so while they are unchanged (`offline_details_are_demo`).
    # Not in graphql_fields: the static site never shows them; only the CMS's own pages do.
    bank_holder = models.CharField(_("titulaire du compte"), max_length=120, default=DEMO_BANK_HOLDER)
    bank_iban = models.CharField(_("IBAN"), max_length=42, default=DEMO_IBAN,
                                 help_text=_("Affiché aux donateurs qui donnent par virement."))
    bank_bic = models.CharField(_("BIC"), max_length=11, default=DEMO_BIC)
    cheque_payable_to = models.CharField(_("ordre des chèques"), max_length=120, default="Vision d'Amour")
    postal_address = models.TextField(_("adresse postale (chèques)"), max_length=400, default=DEMO_POSTAL_ADDRESS,
                                      help_text=_("Où envoyer les chèques : une ligne par ligne d'adresse."))

    graphql_fields = [
        GraphQLString("tagline", required=True), GraphQLString("contact_email", required=True),
        GraphQLString("transparency_note"),
        GraphQLField("main_menu", MenuLink, is_list=True, required=True,
                     description="The header's links, public pages only (empty: the site builds its own)."),
        GraphQLField("footer_menu", MenuLink, is_list=True, required=True,
                     description="The footer's links, public pages only (empty: the site builds its own)."),
    ]

    base_form_class = SiteSettingsForm  # menu rows keep the editor's order (core/forms.py)
    edit_handler = TabbedInterface([
        ObjectList([FieldPanel("tagline"), FieldPanel("contact_email"), FieldPanel("transparency_note")],
                   heading=_("Général")),
        ObjectList([InlinePanel("main_menu_items", heading=_("Menu principal"), label=_("lien"),
                                help_text=_("Les liens de l'en-tête, dans cet ordre. Laissé vide, le site "
                                            "affiche Projets, Histoires, Qui sommes-nous ? et Transparence."))],
                   heading=_("Menu principal")),
        ObjectList([InlinePanel("footer_menu_items", heading=_("Pied de page"), label=_("lien"),
                                help_text=_("Les liens de la colonne « L'association » du pied de page. "
                                            "Laissé vide, le site y met toutes les pages simples."))],
                   heading=_("Pied de page")),
        ObjectList([FieldPanel("bank_holder"), FieldPanel("bank_iban"), FieldPanel("bank_bic"),
                    FieldPanel("cheque_payable_to"), FieldPanel("postal_address")],
                   heading=_("Dons sans carte")),
    ])

    class Meta:
        verbose_name = _("réglages du site")

    def save(self, *args, **kwargs):
        """One transaction for the settings and their menus. Django sends `post_save` (which asks for the
        build, publishing/signals.py) before modelcluster writes the menu items; inside this transaction
        the build is only enqueued once both are committed, so it never builds the menus of before."""
        with transaction.atomic():
            super().save(*args, **kwargs)

    def main_menu(self, info=None, **kwargs) -> list[MenuLink]:
        return public_links(self.main_menu_items.order_by(*MENU_ORDER))

    def footer_menu(self, info=None, **kwargs) -> list[MenuLink]:
        return public_links(self.footer_menu_items.order_by(*MENU_ORDER))

    @property
    def offline_details_are_demo(self) -> bool:
        """Still the demo's bank details or address: the pages then warn that no money should be sent."""
        return self.bank_iban == DEMO_IBAN or self.postal_address == DEMO_POSTAL_ADDRESS


class MenuItem(Orderable):
    """One link of a menu: a page of the site (its title, or `label`), or an address typed by the editor.
    The API shows a page's link only while the page is live and public (core/navigation.py)."""

    page = models.ForeignKey("wagtailcore.Page", verbose_name=_("page du site"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+",
                             help_text=_("La page vers laquelle mène le lien (supprimer la page retire le lien)."))
    link_url = models.CharField(
        _("ou adresse"), max_length=500, blank=True, validators=[validate_link_url],
        help_text=_("À la place d'une page : une adresse complète (https://…), une adresse e-mail (mailto:…) "
                    "ou un chemin du site (/donner/)."))
    label = models.CharField(_("libellé"), max_length=60, blank=True,
                             help_text=_("Le texte du lien. Facultatif pour une page (son titre par défaut)."))

    panels = [FieldPanel("page"), FieldPanel("link_url"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        abstract = True

    def clean(self):
        super().clean()
        if self.page_id and self.link_url:
            raise ValidationError({"link_url": _("Choisissez une page ou saisissez une adresse, pas les deux.")})
        if not self.page_id and not self.link_url:
            raise ValidationError({"page": _("Choisissez une page ou saisissez une adresse.")})
        if self.link_url and not self.label.strip():
            raise ValidationError({"label": _("Un lien vers une adresse a besoin d'un libellé.")})

    def __str__(self):
        return self.label or (self.page.title if self.page_id else self.link_url)


class MainMenuItem(MenuItem):
    site_settings = ParentalKey(SiteSettings, related_name="main_menu_items", on_delete=models.CASCADE)

    class Meta(MenuItem.Meta):
        verbose_name = _("lien du menu principal")
        verbose_name_plural = _("liens du menu principal")


class FooterMenuItem(MenuItem):
    site_settings = ParentalKey(SiteSettings, related_name="footer_menu_items", on_delete=models.CASCADE)

    class Meta(MenuItem.Meta):
        verbose_name = _("lien du pied de page")
        verbose_name_plural = _("liens du pied de page")
