"""The donor desk in the admin (cms/donors/desk/): its menu, its URLs and its log actions."""

from wagtail import hooks

from .desk.viewsets import DeskGroup

LOG_ACTIONS = [
    ("donors.refund", "Remboursement demandé", "Remboursement demandé à Stripe"),
    ("donors.cancel_monthly", "Don mensuel arrêté", "Don mensuel arrêté chez Stripe"),
    ("donors.offline_gift", "Don hors ligne enregistré", "Don hors ligne enregistré"),
    ("donors.match_pledge", "Promesse rapprochée", "Promesse rapprochée du paiement reçu"),
    ("donors.fix_address", "Adresse corrigée", "Nom ou adresse du don corrigés"),
    ("donors.resend_receipt", "Reçu renvoyé", "Copie du reçu fiscal envoyée au donateur"),
]


@hooks.register("register_admin_viewset")
def register_desk():
    return DeskGroup()


@hooks.register("register_log_actions")
def register_desk_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)
