"""`manage.py build_site`: the old name of `update_site` (same options), kept for the scripts that call it."""

from .update_site import Command as UpdateSite


class Command(UpdateSite):
    help = UpdateSite.help
