"""Editors get precise validation messages instead of bad data reaching the site."""

import pytest
from django.core.exceptions import ValidationError

from cms.core.blocks import VideoBlock
from cms.projects.models import ProjectPage, ProjectTheme
from tests import factories

pytestmark = pytest.mark.django_db


def _project(tree, **overrides):
    fields = dict(title="P", slug="p", summary="s", theme=tree["theme"], country="SN", goal_amount=100)
    fields.update(overrides)
    return ProjectPage(**fields)


def test_end_before_start_is_refused():
    tree = factories.make_site()
    with pytest.raises(ValidationError) as err:
        _project(tree, start_date="2026-05-01", end_date="2026-01-01").clean()
    assert "end_date" in err.value.message_dict


def test_completed_project_needs_an_end_date():
    tree = factories.make_site()
    with pytest.raises(ValidationError) as err:
        _project(tree, status="completed").clean()
    assert "Un projet réalisé a une date de fin." in err.value.message_dict["end_date"]


def test_coordinates_come_in_pairs_and_in_range():
    tree = factories.make_site()
    with pytest.raises(ValidationError) as err:
        _project(tree, latitude=12.5).clean()
    assert "longitude" in err.value.message_dict
    page = _project(tree, latitude=95, longitude=2)
    with pytest.raises(ValidationError) as err:
        page.clean_fields(exclude=["path", "depth"])
    assert "latitude" in err.value.message_dict


def test_goal_must_be_positive():
    tree = factories.make_site()
    with pytest.raises(ValidationError) as err:
        _project(tree, goal_amount=0).clean_fields(exclude=["path", "depth"])
    assert "goal_amount" in err.value.message_dict


def test_theme_colour_must_be_hex():
    theme = ProjectTheme(name="Santé", slug="sante", color="red")
    with pytest.raises(ValidationError) as err:
        theme.full_clean()
    assert "color" in err.value.message_dict


def test_image_alt_text_is_mandatory(admin_client):
    """An image is saved only with a real alt text: the model refuses none, the admin's form refuses one
    made of spaces on that field (an empty one: tests/test_image_form.py), and one with alt text is saved."""
    import io

    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    Image = get_image_model()
    image = factories.make_image()
    image.description = ""
    with pytest.raises(ValidationError) as err:
        image.full_clean()
    assert list(err.value.message_dict) == ["description"]

    def upload(description):
        buffer = io.BytesIO()
        PILImage.new("RGB", (800, 600), (40, 120, 90)).save(buffer, "JPEG", quality=70)
        buffer.seek(0)
        buffer.name = "kaya.jpg"
        return admin_client.post("/admin/images/add/", {"title": "Kaya", "file": buffer,
                                                         "description": description, "credit": ""})

    before = Image.objects.count()
    response = upload("   ")
    assert response.status_code == 200  # the form again
    assert list(response.context["form"].errors) == ["description"]
    assert Image.objects.count() == before
    response = upload("Kaya devant le puits du village")
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    saved = Image.objects.get(title="Kaya")
    assert saved.description == "Kaya devant le puits du village"


def test_video_block_accepts_known_hosts_only():
    block = VideoBlock()
    ok = block.clean(block.to_python({"url": "https://vimeo.com/123456", "title": "Vidéo"}))
    assert ok["url"] == "https://vimeo.com/123456"
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"url": "https://evil.example/video.mp4", "title": "Vidéo"}))


def test_admin_refuses_a_budget_above_the_goal(admin_client):
    tree = factories.make_site()
    project = factories.make_project(tree, title="Puits", slug="puits")  # budget 30 000 € + 10 000 €
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    def data(goal):
        return nested_form_data({
            "title": "Puits", "slug": "puits", "summary": "De l'eau.", "theme": tree["theme"].pk, "country": "BF",
            "status": "active", "goal_amount": goal, "currency": "EUR", "beneficiaries": 10,
            "key_figures": inline_formset([]), "gallery_images": inline_formset([]), "updates": inline_formset([]),
            "suggested_amounts": inline_formset([]),
            "budget_lines": inline_formset([{"label": "Forage", "amount": 3_000_000},
                                            {"label": "Pompe", "amount": 1_000_000}]),
            "body": streamfield([]), "action-publish": "publish",
        })

    response = admin_client.post(f"/admin/pages/{project.pk}/edit/", data(3_500_000))
    assert response.status_code == 200  # form shown again with the error
    errors = response.context["form"].errors
    assert "dépasse l'objectif de collecte" in " ".join(errors.get("goal_amount", [])), errors
    response = admin_client.post(f"/admin/pages/{project.pk}/edit/", data(4_000_000))
    assert response.status_code == 302, response.content.decode()[:2000]
