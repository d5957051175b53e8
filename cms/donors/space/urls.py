"""/donate/espace/…: the donor space (French paths: the donor reads them). Included from cms/config/urls.py
before `donate/`, under the app namespace `donor_space`."""

from pathlib import Path

from django.urls import path, re_path
from django.views.decorators.http import require_GET
from django.views.static import serve

from . import gdpr, monthly, sign_in, views

STATIC_DIR = Path(__file__).resolve().parent / "static"


@require_GET
def card_js(request):
    """The one script of the space (the new card's page): served from this app, same origin, CSP 'self'."""
    response = serve(request, "card.js", document_root=str(STATIC_DIR))
    response["Cache-Control"] = "public, max-age=300"
    return response


app_name = "donor_space"
urlpatterns = [
    path("", views.home, name="space_home"),
    path("connexion/", sign_in.ask_link, name="space_sign_in"),
    re_path(r"^lien/(?P<token>[^/]{0,200})/$", sign_in.link_page, name="space_link"),
    re_path(r"^lien/(?P<token>[^/]{0,200})/entrer/$", sign_in.use_link, name="space_link_use"),
    path("deconnexion/", sign_in.sign_out, name="space_sign_out"),
    re_path(r"^recus/(?P<receipt_id>[^/]{1,200})/$", views.receipt_pdf, name="space_receipt"),
    path("adresse/", views.address, name="space_address"),
    path("preferences/", views.preferences, name="space_preferences"),
    path("donnees/export/", gdpr.export, name="space_export"),
    path("donnees/effacement/", gdpr.erase_view, name="space_erase"),
    path("mensuels/<uuid:donation_id>/", monthly.monthly_page, name="space_monthly"),
    path("mensuels/<uuid:donation_id>/montant/", monthly.change_amount, name="space_monthly_amount"),
    path("mensuels/<uuid:donation_id>/pause/", monthly.pause, name="space_monthly_pause"),
    path("mensuels/<uuid:donation_id>/reprise/", monthly.resume, name="space_monthly_resume"),
    path("mensuels/<uuid:donation_id>/arret/", monthly.cancel, name="space_monthly_cancel"),
    path("mensuels/<uuid:donation_id>/carte/", monthly.card, name="space_monthly_card"),
    path("mensuels/<uuid:donation_id>/carte/enregistrer/", monthly.save_card, name="space_monthly_card_save"),
    path("carte.js", card_js, name="space_card_js"),
]
