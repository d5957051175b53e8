"""Run one SiteBuild: the incremental build of site_builder (or a full one), deployed to Netlify through its API
when NETLIFY_AUTH_TOKEN and NETLIFY_SITE_ID are set (only changed files upload); or Netlify's build hook."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.utils import timezone

from .models import SiteBuild

log = logging.getLogger(__name__)
MAX_MESSAGES = 100


def build_config():
    """The CMS's BuildConfig, from settings: the one place the worker, `manage.py update_site` and the
    preview get their build parameters (the preview must render what the worker publishes)."""
    from site_builder.config import BuildConfig

    return BuildConfig(api_url=settings.SITE_BUILD_API_URL, base_url=settings.SITE_BASE_URL,
                       media_url=settings.SITE_MEDIA_URL, donate_api_base=settings.SITE_DONATE_API,
                       cache_dir=settings.SITE_BUILD_CACHE,
                       api_token=settings.SITE_BUILD_API_TOKEN)  # the CMS's own: its bulk fields answer only to it


def netlify_target():
    """Where the worker deploys its builds, or None (both variables are needed; guard.py refuses one alone)."""
    from site_builder.netlify_deploy import NetlifyTarget

    if settings.NETLIFY_AUTH_TOKEN and settings.NETLIFY_SITE_ID:
        return NetlifyTarget(token=settings.NETLIFY_AUTH_TOKEN, site_id=settings.NETLIFY_SITE_ID,
                             api_url=settings.NETLIFY_API_URL)
    return None


def deploy_to_netlify(build: SiteBuild, target) -> None:
    from site_builder.netlify_deploy import deploy

    result = deploy(settings.SITE_BUILD_OUT, target, title=build.summary,
                    digest_cache=settings.SITE_BUILD_CACHE / "netlify-digests.json")
    build.deploy_id = result.deploy_id  # what Netlify's dashboard lists: staff can match a build to its deploy
    log.info("site build %s deployed to Netlify (%s): %d files, %d uploaded in %.2f s", build.pk, result.deploy_id,
             result.files, len(result.uploaded), result.seconds)


def run_build(build: SiteBuild) -> SiteBuild:
    from site_builder.build import BuildError, build as full_build
    from site_builder.client import ApiError
    from site_builder.incremental import build_incremental
    from site_builder.netlify_deploy import DeployError

    started = time.perf_counter()
    target = netlify_target()
    try:
        if settings.NETLIFY_BUILD_HOOK and target is None:
            build.kind = "netlify"
            call_netlify_hook(build)
        else:
            config, out = build_config(), settings.SITE_BUILD_OUT
            if build.full:
                result = full_build(config, out)
            else:
                result = build_incremental(config, out, pages=build.page_ids)
            build.kind = result.kind
            build.pages_written, build.files_written = result.pages, result.files_written
            build.files_deleted = len(result.deleted)
            build.errors, build.warnings = result.errors[:MAX_MESSAGES], result.warnings[:MAX_MESSAGES]
            if target is not None:  # the files are built: Netlify gets those it lacks (a failure: next build)
                deploy_to_netlify(build, target)
        build.status = SiteBuild.SUCCEEDED
    except (ApiError, BuildError, DeployError, OSError, requests.RequestException) as exc:
        build.status, build.errors = SiteBuild.FAILED, [str(exc)] + list(build.errors or [])[:MAX_MESSAGES - 1]
    except Exception as exc:  # recorded for the editors, logged with the traceback for developers
        log.exception("site build %s failed", build.pk)
        build.status, build.errors = SiteBuild.FAILED, [f"{type(exc).__name__}: {exc}"]
    build.finished_at = timezone.now()
    build.duration_seconds = round(time.perf_counter() - started, 3)
    build.save()
    return build


def call_netlify_hook(build: SiteBuild) -> None:
    """Netlify builds the site itself (from the API): its build hook only needs a POST."""
    title = build.summary[:200]
    response = requests.post(f"{settings.NETLIFY_BUILD_HOOK}?{urlencode({'trigger_title': title})}", data="{}",
                             timeout=15)
    if response.status_code >= 300:
        raise requests.HTTPError(f"the Netlify build hook answered HTTP {response.status_code}")
