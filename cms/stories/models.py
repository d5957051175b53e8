"""Impact stories: dated, signed accounts from the field, linked to the projects they tell about."""

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from grapple.models import GraphQLCollection, GraphQLImage, GraphQLPage, GraphQLStreamfield, GraphQLString, GraphQLTag
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.core.blocks import BodyBlock
from cms.core.models import IndexPage, PublicSiteURLMixin
from cms.core.preview import SitePreviewMixin


class StoryIndexPage(IndexPage):
    subpage_types = ["stories.StoryPage"]

    class Meta:
        verbose_name = _("liste des histoires")


class StoryTag(TaggedItemBase):
    content_object = ParentalKey("stories.StoryPage", related_name="tagged_items", on_delete=models.CASCADE)


class StoryPage(PublicSiteURLMixin, SitePreviewMixin, Page):
    date = models.DateField(_("date"), default=dt.date.today)
    author = models.CharField(_("auteur"), max_length=120)
    hero_image = models.ForeignKey("multimedia.CustomImage", verbose_name=_("image principale"),
                                   null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    intro = models.TextField(_("chapeau"), max_length=400,
                             help_text=_("Une ou deux phrases qui donnent envie de lire la suite."))
    body = StreamField(BodyBlock(), verbose_name=_("récit"))
    related_projects = ParentalManyToManyField("projects.ProjectPage", verbose_name=_("projets liés"),
                                               blank=True, related_name="stories")
    tags = ClusterTaggableManager(through=StoryTag, blank=True, verbose_name=_("mots-clés"))

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("date"), FieldPanel("author")]),
        FieldPanel("hero_image"),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("related_projects"),
        FieldPanel("tags"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body"),
                                          index.SearchField("author"), index.FilterField("date")]
    graphql_fields = [
        GraphQLString("date", required=True),
        GraphQLString("author", required=True),
        GraphQLImage("hero_image"),
        GraphQLString("intro", required=True),
        GraphQLStreamfield("body"),
        GraphQLCollection(GraphQLPage, "related_projects", source="published_related_projects"),
        GraphQLTag("tags"),
    ]

    parent_page_types = ["stories.StoryIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("histoire")
        verbose_name_plural = _("histoires")
        ordering = ["-date"]

    def published_related_projects(self, info=None, **kwargs):
        """Only live projects: a story never links to a draft."""
        return [p for p in self.related_projects.all() if p.live]
