"""Transparency in the admin and in the API: the menu "Transparence" (Dépenses, Subventions), the four-eyes
log actions, and the public GraphQL fields projectSpending / siteSpending."""

from wagtail import hooks

from .schema import SpendingQuery
from .viewsets import TransparencyGroup

LOG_ACTIONS = [
    ("transparency.submit", "Dépense soumise", "Dépense soumise à l'approbation"),
    ("transparency.back_to_draft", "Dépense renvoyée en brouillon", "Dépense renvoyée en brouillon"),
    ("transparency.approve", "Dépense approuvée", "Dépense approuvée (quatre yeux)"),
    ("transparency.reverse", "Contre-écriture saisie", "Contre-écriture saisie pour annuler une dépense"),
]


@hooks.register("register_schema_query")
def register_spending_query(query_mixins):
    query_mixins.append(SpendingQuery)


@hooks.register("register_admin_viewset")
def register_transparency():
    return TransparencyGroup()


@hooks.register("register_log_actions")
def register_transparency_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)
