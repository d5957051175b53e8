"""The donor desk in the admin (cms/donors/desk/): its menu, its URLs and its log actions."""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.search import SearchArea

from .desk import permissions
from .desk.viewsets import DeskGroup

LOG_ACTIONS = [
    ("donors.refund", "Remboursement demandé", "Remboursement demandé à Stripe"),
    ("donors.cancel_monthly", "Don mensuel arrêté", "Don mensuel arrêté chez Stripe"),
    ("donors.offline_gift", "Don hors ligne enregistré", "Don hors ligne enregistré"),
    ("donors.match_pledge", "Promesse rapprochée", "Promesse rapprochée du paiement reçu"),
    ("donors.fix_address", "Adresse corrigée", "Nom ou adresse du don corrigés"),
    ("donors.resend_receipt", "Reçu renvoyé", "Copie du reçu fiscal envoyée au donateur"),
    ("donors.wall_hide", "Nom masqué du mur", "Nom masqué du mur des donateurs"),
    ("donors.wall_show", "Nom affiché sur le mur", "Nom de nouveau affiché sur le mur des donateurs"),
]


@hooks.register("register_admin_viewset")
def register_desk():
    return DeskGroup()


@hooks.register("register_log_actions")
def register_desk_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


class DonorsSearchArea(SearchArea):
    """"Donateurs" among the admin search's areas, for the staff of the desk only (an editor's search never
    offers it, and its results page refuses them anyway)."""

    def is_shown(self, request):
        return permissions.can(request.user)


@hooks.register("register_admin_search_area")
def register_donors_search_area():
    return DonorsSearchArea("Donateurs", reverse("desk_donors:index"), name="donateurs", icon_name="user",
                            order=900)
