"""The send report of the project news (cms/donors/news.py), on the desk: one row per announcement, with
its recipients and the e-mails sent, failed and still queued, counted from the mail log (`SentEmail`) in
the listing's own query. No personal data: counts only."""

from __future__ import annotations

from django.db.models import Count, Q
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic

from cms.donations.reports import LocalDateTimeColumn

from ..models import SentEmail, UpdateAnnouncement
from .viewsets import DeskAccessMixin, DeskViewSet, ReadOnlyMixin


class ProjectColumn(Column):
    def get_value(self, instance):
        return instance.project.title if instance.project_id and instance.project else "(projet supprimé)"


class AnnouncementIndexView(DeskAccessMixin, ReadOnlyMixin, generic.IndexView):
    page_title = "Nouvelles envoyées"
    default_ordering = "-created_at"

    def get_base_queryset(self):
        by_status = {name: Count("emails", filter=Q(emails__status=status))
                     for name, status in (("sent", SentEmail.SENT), ("failed", SentEmail.FAILED),
                                          ("queued", SentEmail.QUEUED))}
        return UpdateAnnouncement.objects.select_related("project").annotate(**by_status)

    @property
    def columns(self):
        return [TitleColumn("title", label="Nouvelle", get_url=self.get_inspect_url),
                ProjectColumn("project", label="Projet"),
                LocalDateTimeColumn("created_at", label="Annoncée le", sort_key="created_at"),
                Column("recipients", label="Destinataires"), Column("sent", label="Envoyés"),
                Column("failed", label="Échecs"), Column("queued", label="En attente")]


class AnnouncementInspectView(DeskAccessMixin, ReadOnlyMixin, generic.InspectView):
    fields = ["title", "project", "created_at", "recipients"]


class AnnouncementViewSet(DeskViewSet):
    model = UpdateAnnouncement
    icon = "mail"
    menu_label = "Nouvelles envoyées"
    menu_order = 102
    url_prefix = "nouvelles"
    name = "desk_news"
    index_view_class = AnnouncementIndexView
    inspect_view_class = AnnouncementInspectView
