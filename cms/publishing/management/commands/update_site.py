"""`manage.py update_site [--full] [--now]`: bring the public site up to date. Queues a SiteBuild for the
publishing worker, or (`--now`) runs it in this process; only what changed unless `--full`. Editors never
need this: publishing asks for builds by itself. (`build_site` is its old name, kept for scripts.)"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cms.publishing.models import SiteBuild
from cms.publishing.queue import request_build
from cms.publishing.runner import run_build


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rebuild every page")
        parser.add_argument("--now", action="store_true", help="build in this process instead of queueing")

    def handle(self, *, full, now, **options):
        reason = "Reconstruction complète (ligne de commande)" if full else "Mise à jour (ligne de commande)"
        if not now:
            build = request_build(reason, full=full)
            self.stdout.write(f"build #{build.pk} queued" if build else "builds are disabled (SITE_BUILD_ENABLED=0)")
            return
        build = SiteBuild.objects.create(full=full, reasons=[reason], status=SiteBuild.RUNNING,
                                         started_at=timezone.now())
        build = run_build(build)
        self.stdout.write(f"build #{build.pk} {build.status}: {build.kind}, {build.pages_written} pages, "
                          f"{build.files_written} files written, {build.files_deleted} deleted, "
                          f"{build.duration_seconds} s")
        for line in build.errors:
            self.stderr.write(f"error: {line}")
        if build.status != SiteBuild.SUCCEEDED:
            raise CommandError("the build failed; the previous site is unchanged")
