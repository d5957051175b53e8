"""`python cms/manage.py load_content content/`: load the demo content (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.core.content_loader import ContentError, ContentLoader
from cms.publishing.queue import request_build, suppressed


class Command(BaseCommand):
    help = "Load projects, stories, pages and images from a content folder (see content/README.md)."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, folder: Path, **options):
        try:
            with suppressed():  # one build for the whole load, not one per page
                changed = ContentLoader(folder.resolve(), log=self.stdout.write).run()
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"load_content: {changed} item(s) created or updated from {folder}")
        if changed:
            request_build(f"Contenu chargé depuis {folder.name}/ ({changed} élément(s))")
