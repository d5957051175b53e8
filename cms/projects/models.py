"""Projects: what was promised (goal, budget), where (country, coordinates), for whom (beneficiaries),
and what changed on the ground (key figures, dated updates with photos).

Money is an integer in the currency's minor unit with the currency beside it (XAF/XOF have none).
"""

import graphene
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from grapple.models import (
    GraphQLBoolean,
    GraphQLCollection,
    GraphQLField,
    GraphQLFloat,
    GraphQLForeignKey,
    GraphQLImage,
    GraphQLInt,
    GraphQLRichText,
    GraphQLSnippet,
    GraphQLStreamfield,
    GraphQLString,
)
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from cms.core.blocks import BodyBlock, UpdatePhotosBlock
from cms.core.models import IndexPage, PublicSiteURLMixin
from cms.core.preview import SitePreviewMixin

from .countries import COUNTRY_CHOICES, country_name
from .forms import ProjectPageForm

CURRENCY_CHOICES = [("EUR", "EUR — euro"), ("XOF", "XOF — franc CFA (UEMOA)"),
                    ("XAF", "XAF — franc CFA (CEMAC)"), ("USD", "USD — dollar américain")]
hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Une couleur au format #RRGGBB, ex. #1F6F8B."))


class ProjectTheme(models.Model):
    """A field of action (water, education, health…), a snippet so editors can add one without a developer."""

    name = models.CharField(_("nom"), max_length=80, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True,
                            help_text=_("Utilisé dans les adresses, ex. « eau »."))
    color = models.CharField(_("couleur"), max_length=7, default="#1F6F8B", validators=[hex_colour],
                             help_text=_("Fond des étiquettes ; le texte y est blanc, choisissez une couleur foncée."))
    description = models.CharField(_("description"), max_length=300, blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("color"), FieldPanel("description")]
    graphql_fields = [GraphQLString("name", required=True), GraphQLString("slug", required=True),
                      GraphQLString("color", required=True), GraphQLString("description")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("thématique")
        verbose_name_plural = _("thématiques")

    def __str__(self):
        return self.name


class Partner(models.Model):
    """An organisation that works on or funds a project (shown on the project page)."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    url = models.URLField(_("site web"), blank=True)
    logo = models.ForeignKey("multimedia.CustomImage", verbose_name=_("logo"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("url"), FieldPanel("logo")]
    graphql_fields = [GraphQLString("name", required=True), GraphQLString("slug", required=True),
                      GraphQLString("url"), GraphQLImage("logo")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")

    def __str__(self):
        return self.name


register_snippet(ProjectTheme)
register_snippet(Partner)


class ProjectIndexPage(IndexPage):
    subpage_types = ["projects.ProjectPage"]

    class Meta:
        verbose_name = _("liste des projets")


class ProjectPage(PublicSiteURLMixin, SitePreviewMixin, Page):
    STATUS_CHOICES = [("planned", _("En préparation")), ("active", _("En cours")), ("completed", _("Réalisé"))]

    summary = models.TextField(_("résumé"), max_length=400,
                               help_text=_("Deux ou trois phrases : le besoin, l'action, le résultat attendu."))
    hero_image = models.ForeignKey("multimedia.CustomImage", verbose_name=_("image principale"),
                                   null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    theme = models.ForeignKey(ProjectTheme, verbose_name=_("thématique"), on_delete=models.PROTECT,
                              related_name="projects")
    country = models.CharField(_("pays"), max_length=2, choices=COUNTRY_CHOICES)
    region = models.CharField(_("région ou localité"), max_length=120, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])
    status = models.CharField(_("état"), max_length=10, choices=STATUS_CHOICES, default="active")
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    goal_amount = models.PositiveBigIntegerField(
        _("objectif de collecte"), validators=[MinValueValidator(1)],
        help_text=_("En centimes pour l'euro et le dollar (40 000 € = 4000000) ; en francs pour le FCFA."))
    currency = models.CharField(_("devise"), max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    beneficiaries = models.PositiveIntegerField(_("bénéficiaires"), default=0,
                                                help_text=_("Nombre de personnes directement concernées."))
    featured = models.BooleanField(_("mis en avant"), default=False,
                                   help_text=_("Affiché sur la page d'accueil."))
    partners = ParentalManyToManyField(Partner, verbose_name=_("partenaires"), blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("présentation"))

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("hero_image"),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("theme"), FieldPanel("status")]),
            FieldRowPanel([FieldPanel("country"), FieldPanel("region")]),
            FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        ], heading=_("Où et quand")),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("goal_amount"), FieldPanel("currency")]),
            FieldPanel("beneficiaries"),
            FieldPanel("featured"),
        ], heading=_("Objectif")),
        InlinePanel("key_figures", label=_("Chiffres clés"), max_num=8),
        InlinePanel("suggested_amounts", label=_("Montant proposé"), heading=_("Montants proposés aux donateurs"),
                    max_num=4, help_text=_("Jusqu'à quatre montants, chacun avec ce qu'il permet sur le terrain.")),
        InlinePanel("budget_lines", label=_("Budget"), heading=_("Répartition du budget")),
        FieldPanel("body"),
        InlinePanel("gallery_images", label=_("Photos"), heading=_("Galerie")),
        FieldPanel("partners", widget=forms.CheckboxSelectMultiple),
        InlinePanel("updates", label=_("Nouvelles du projet"), heading=_("Nouvelles du projet")),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("region"),
                                          index.FilterField("status"), index.FilterField("country")]
    graphql_fields = [
        GraphQLString("summary", required=True),
        GraphQLImage("hero_image"),
        GraphQLSnippet("theme", "projects.ProjectTheme", required=True),
        GraphQLString("country", required=True),
        GraphQLString("country_name", required=True),
        GraphQLString("region"),
        GraphQLFloat("latitude"),
        GraphQLFloat("longitude"),
        GraphQLString("status", required=True),
        GraphQLString("status_label", required=True),
        GraphQLString("start_date"),
        GraphQLString("end_date"),
        GraphQLInt("goal_amount", required=True),
        GraphQLString("currency", required=True),
        GraphQLInt("beneficiaries", required=True),
        GraphQLBoolean("featured", required=True),
        GraphQLCollection(GraphQLForeignKey, "key_figures", "projects.ProjectKeyFigure"),
        GraphQLCollection(GraphQLForeignKey, "suggested_amounts", "projects.SuggestedAmount"),
        GraphQLCollection(GraphQLForeignKey, "budget_lines", "projects.BudgetLine"),
        GraphQLStreamfield("body"),
        GraphQLCollection(GraphQLForeignKey, "gallery_images", "projects.ProjectGalleryImage"),
        GraphQLCollection(GraphQLSnippet, "partners", "projects.Partner"),
        GraphQLCollection(GraphQLForeignKey, "updates", "projects.ProjectUpdate"),
    ]

    parent_page_types = ["projects.ProjectIndexPage"]
    subpage_types = []
    base_form_class = ProjectPageForm

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")

    @property
    def country_name(self):
        return country_name(self.country)

    @property
    def status_label(self):
        return str(dict(self.STATUS_CHOICES).get(self.status, self.status))

    def clean(self):
        super().clean()
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("La fin ne peut pas précéder le début.")
        if self.status == "completed" and not self.end_date:
            errors["end_date"] = _("Un projet réalisé a une date de fin.")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Indiquez la latitude et la longitude, ou aucune des deux.")
        if errors:
            raise ValidationError(errors)


class ProjectKeyFigure(Orderable):
    page = ParentalKey(ProjectPage, related_name="key_figures", on_delete=models.CASCADE)
    value = models.DecimalField(_("chiffre"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unité"), max_length=30, blank=True, help_text=_("Ex. : %, km, puits"))
    label = models.CharField(_("libellé"), max_length=140, help_text=_("Ex. : élèves scolarisés"))

    panels = [FieldRowPanel([FieldPanel("value"), FieldPanel("unit")]), FieldPanel("label")]
    graphql_fields = [GraphQLFloat("value", required=True), GraphQLString("unit"),
                      GraphQLString("label", required=True)]


class SuggestedAmount(Orderable):
    """A gift the form proposes, with what it pays for on the ground ("25 € = un kit scolaire")."""

    page = ParentalKey(ProjectPage, related_name="suggested_amounts", on_delete=models.CASCADE)
    amount = models.PositiveBigIntegerField(_("montant"), validators=[MinValueValidator(1)],
                                            help_text=_("Dans la devise du projet, en unités mineures (2500 = 25 €)."))
    label = models.CharField(_("ce qu'il permet"), max_length=80, help_text=_("Ex. : un kit scolaire"))

    panels = [FieldRowPanel([FieldPanel("amount"), FieldPanel("label")])]
    graphql_fields = [GraphQLInt("amount", required=True), GraphQLString("label", required=True)]


class BudgetLine(Orderable):
    page = ParentalKey(ProjectPage, related_name="budget_lines", on_delete=models.CASCADE)
    label = models.CharField(_("poste"), max_length=120, help_text=_("Ex. : forage et pompe solaire"))
    amount = models.PositiveBigIntegerField(_("montant"), help_text=_("Dans la devise du projet, en unités mineures."))

    panels = [FieldRowPanel([FieldPanel("label"), FieldPanel("amount")])]
    graphql_fields = [GraphQLString("label", required=True), GraphQLInt("amount", required=True)]


class ProjectGalleryImage(Orderable):
    page = ParentalKey(ProjectPage, related_name="gallery_images", on_delete=models.CASCADE)
    image = models.ForeignKey("multimedia.CustomImage", on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(_("légende"), max_length=250, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]
    graphql_fields = [GraphQLImage("image", required=True), GraphQLString("caption")]


class UpdateDisbursement(graphene.ObjectType):
    """A disbursement named by an update: its id, to find it among the project's `projectSpending`."""

    id = graphene.ID(required=True)


class ProjectUpdate(Orderable, ClusterableModel):
    """A dated news item from the field: what was done, with photos. Shown newest first."""

    page = ParentalKey(ProjectPage, related_name="updates", on_delete=models.CASCADE)
    date = models.DateField(_("date"))
    title = models.CharField(_("titre"), max_length=160)
    text = RichTextField(_("texte"), features=["bold", "italic", "link", "ul", "ol"])
    photos = StreamField(UpdatePhotosBlock(), blank=True, verbose_name=_("photos"))
    # Where it happened (optional): the project page's map shows it, the timeline names it. Flat fields in
    # GraphQL (placeName, latitude, longitude), like the project's own coordinates.
    place_name = models.CharField(_("lieu"), max_length=120, blank=True,
                                  help_text=_("Ex. : village de Ndiaye, école de Sabou."))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)],
                                   help_text=_("Entre -90 et 90, ex. 14.1021 (nord positif)."))
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)],
                                    help_text=_("Entre -180 et 180, ex. -15.5487 (ouest négatif)."))
    # "Le puits financé par ces trois dépenses": the disbursements this update shows (approved ones of its
    # page only: the panel offers no other, and the API returns no other).
    disbursements = ParentalManyToManyField("transparency.Disbursement", verbose_name=_("dépenses montrées"),
                                            blank=True, related_name="updates")

    panels = [FieldRowPanel([FieldPanel("date"), FieldPanel("title")]), FieldPanel("text"), FieldPanel("photos"),
              MultiFieldPanel([FieldPanel("place_name"),
                               FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")])],
                              heading=_("Lieu (facultatif)")),
              FieldPanel("disbursements", widget=forms.CheckboxSelectMultiple)]
    graphql_fields = [GraphQLString("date", required=True), GraphQLString("title", required=True),
                      GraphQLRichText("text", required=True), GraphQLStreamfield("photos"),
                      GraphQLString("place_name"), GraphQLFloat("latitude"), GraphQLFloat("longitude"),
                      GraphQLField("disbursements", UpdateDisbursement, is_list=True, required=True,
                                   source="public_disbursements",
                                   description="The approved disbursements of this project the update shows.")]

    def public_disbursements(self, info=None, **kwargs):
        """Approved disbursements of this update's own project only (in Python, so a prefetch of
        `disbursements` serves every update without a query)."""
        from cms.transparency.models import Disbursement

        return [UpdateDisbursement(id=d.pk) for d in self.disbursements.all()
                if d.status == Disbursement.APPROVED and d.project_id == self.page_id]

    class Meta(Orderable.Meta):
        ordering = ["-date", "sort_order"]

    def clean(self):
        """Both coordinates or neither (a point needs both), and a point is named: the map's text list and
        the timeline say where it is in words, never as bare numbers."""
        super().clean()
        errors = {}
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            errors[missing] = _("Indiquez la latitude et la longitude, ou aucune des deux.")
        elif self.latitude is not None and not (self.place_name or "").strip():
            errors["place_name"] = _("Donnez un nom au lieu : la carte et la chronologie l'affichent.")
        if errors:
            raise ValidationError(errors)
