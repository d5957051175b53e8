"""Build a small site in the test database: home, indexes, themes, images, projects, stories.

Tests call these instead of loading content/ when they need exact control (hostile titles, drafts,
N pages for query counting).
"""

from __future__ import annotations

import io
import itertools
import uuid

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site

from cms.core.models import HomePage, StandardPage
from cms.projects.models import BudgetLine, ProjectIndexPage, ProjectKeyFigure, ProjectPage, ProjectTheme
from cms.stories.models import StoryIndexPage, StoryPage

_counter = itertools.count(1)
# Benchmarks create thousands of pages: live at once, without a revision each (tests keep the real path).
FAST_PUBLISH = False


def _publish(page):
    if FAST_PUBLISH:
        return  # created with live=True already
    page.save_revision().publish()


def make_image(title="Photo", alt="Une photo de test", credit="Photo : test", size=(1400, 900), color=None):
    n = next(_counter)
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color or ((n * 37) % 255, (n * 91) % 255, 120)).save(buffer, "JPEG", quality=60)
    image = get_image_model()(title=f"{title} {n}", description=alt, credit=credit)
    image.file = ImageFile(buffer, name=f"test-{n}.jpg")
    image.save()
    return image


def make_site():
    """Home (site root), project index, story index, one theme. Returns a dict of them."""
    root = Page.get_first_root_node()
    home = HomePage(title="Accueil", slug="accueil", intro="Bienvenue chez Vision d'Amour", hero_image=make_image())
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    Page.objects.filter(depth=2).exclude(pk=home.pk).delete()
    projects = ProjectIndexPage(title="Nos projets", slug="projets", intro="Nos projets")
    home.add_child(instance=projects)
    stories = StoryIndexPage(title="Histoires", slug="histoires", intro="Nos histoires")
    home.add_child(instance=stories)
    theme = ProjectTheme.objects.create(name="Eau", slug="eau", color="#1F6F8B")
    return {"home": home, "projects": projects, "stories": stories, "theme": theme}


def body_with_images(image, project=None):
    return [
        {"type": "rich_text", "value": "<p>Un paragraphe <b>important</b>.</p>"},
        {"type": "image", "value": {"image": image.pk, "caption": "Légende", "credit": ""}},
        {"type": "gallery", "value": [
            {"type": "item", "id": str(uuid.uuid4()), "value": {"image": image.pk, "caption": "Une"}},
            {"type": "item", "id": str(uuid.uuid4()), "value": {"image": image.pk, "caption": "Deux"}}]},
        {"type": "quote", "value": {"text": "Merci", "attribution": "Awa", "role": "Kaya"}},
        {"type": "video", "value": {"url": "https://vimeo.com/123456", "title": "Vidéo", "poster": image.pk,
                                    "transcript": ""}},
        {"type": "key_figure", "value": {"value": "85", "unit": "%", "text": "des familles"}},
        {"type": "cta", "value": {"text": "Aidez", "button_label": "Je donne",
                                  "project": project.pk if project else None}},
    ]


def make_project(tree, title="Un puits à Kaya", slug=None, publish=True, image=None, **fields):
    image = image or make_image()
    page = ProjectPage(title=title, slug=slug or f"projet-{next(_counter)}", summary="De l'eau potable.",
                       hero_image=image, theme=tree["theme"], country="BF", region="Kaya", status="active",
                       goal_amount=4_000_000, currency="EUR", beneficiaries=1200, **fields)
    page.body = body_with_images(image)
    page.key_figures = [ProjectKeyFigure(value=3, unit="", label="puits")]
    page.budget_lines = [BudgetLine(label="Forage", amount=3_000_000), BudgetLine(label="Pompe", amount=1_000_000)]
    page.live = publish
    tree["projects"].add_child(instance=page)
    if publish:
        _publish(page)
    else:
        page.live = False
        page.save_revision()
        page.save()
    return page


def make_story(tree, title="Une histoire", slug=None, publish=True, image=None, project=None, **fields):
    image = image or make_image()
    page = StoryPage(title=title, slug=slug or f"histoire-{next(_counter)}", date="2026-01-05", author="Awa",
                     hero_image=image, intro="Une introduction.", **fields)
    page.body = body_with_images(image, project)
    if project is not None:
        page.related_projects = [project]
    page.tags.add("eau")
    tree["stories"].add_child(instance=page)
    if publish:
        _publish(page)
    else:
        Page.objects.filter(pk=page.pk).update(live=False)
    return page


def make_private(page):
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.PASSWORD, password="x")
    return page


def make_standard(tree, title="À propos", slug="a-propos"):
    page = StandardPage(title=title, slug=slug, intro="Qui sommes-nous",
                        body=[{"type": "rich_text", "value": "<p>Texte</p>"}])
    tree["home"].add_child(instance=page)
    page.save_revision().publish()
    return page
