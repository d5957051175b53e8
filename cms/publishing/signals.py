"""What makes the public site change, and the build each one asks for.

Publishing, unpublishing (including `publish_scheduled`'s go-live and expiry), moving and deleting a page
name that page; an image or a snippet changed names the pages that use it (Wagtail's reference index); the
site settings, shown on every page, ask for a full build; a redirect saved or deleted asks for a build that
rewrites `_redirects` (the ones Wagtail creates itself when a page moves or is renamed come with that page's
publish or move, which already asks for one).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.core.models import SiteSettings
from cms.projects.models import Partner, ProjectTheme

from .queue import request_build


def _title(page) -> str:
    return f"« {page.title} »"


@receiver(page_published)
def on_publish(sender, instance, revision=None, **kwargs):
    user = getattr(revision, "user", None)
    request_build(f"Publication de {_title(instance)}" + (f" par {user.get_username()}" if user else ""),
                  [instance.pk], user=user)


@receiver(page_unpublished)
def on_unpublish(sender, instance, **kwargs):
    request_build(f"Dépublication de {_title(instance)}", [instance.pk])


@receiver(post_page_move)
def on_move(sender, instance, url_path_before=None, url_path_after=None, **kwargs):
    if url_path_before != url_path_after:
        request_build(f"Déplacement de {_title(instance)}", [instance.pk])


@receiver(post_delete)
def on_delete(sender, instance, **kwargs):
    if isinstance(instance, Page) and instance.live and type(instance) is not Page:
        request_build(f"Suppression de {_title(instance)}")


def pages_using(obj) -> list[int]:
    page_type = ContentType.objects.get_for_model(Page)
    return [int(pk) for pk in ReferenceIndex.get_references_to(obj)
            .filter(base_content_type=page_type).values_list("object_id", flat=True).distinct()]


def _changed(kind: str, obj, created: bool = False, deleted: bool = False):
    if created:
        return  # nothing uses it yet
    pages = pages_using(obj)
    if pages:
        verb = "supprimé(e)" if deleted else "modifié(e)"
        request_build(f"{kind} {verb} : « {obj} » ({len(pages)} page{'s' if len(pages) > 1 else ''})", pages)


@receiver(post_save, sender=get_image_model())
def on_image_saved(sender, instance, created=False, **kwargs):
    _changed("Image", instance, created=created)


@receiver(post_delete, sender=get_image_model())
def on_image_deleted(sender, instance, **kwargs):
    _changed("Image", instance, deleted=True)


@receiver(post_save, sender=ProjectTheme)
@receiver(post_save, sender=Partner)
def on_snippet_saved(sender, instance, created=False, **kwargs):
    _changed(sender._meta.verbose_name.capitalize(), instance, created=created)


@receiver(post_delete, sender=ProjectTheme)
@receiver(post_delete, sender=Partner)
def on_snippet_deleted(sender, instance, **kwargs):
    _changed(sender._meta.verbose_name.capitalize(), instance, deleted=True)


@receiver(post_save, sender=SiteSettings)
def on_settings_saved(sender, instance, **kwargs):
    request_build("Réglages du site modifiés", full=True)


@receiver(post_save, sender=Redirect)
@receiver(post_delete, sender=Redirect)
def on_redirect_changed(sender, instance, **kwargs):
    request_build(f"Redirection modifiée : {instance.old_path[:200]}")
