"""The image forms give alt-text guidance where it applies, and no warning about an upload that has none.

Wagtail's multiple upload printed a bold red "Veuillez fournir un descriptif de l'image…" on every file, whatever
the file (an image already described, a refused upload): a warning unrelated to the upload at hand. The alt
text is a required field of each image's form, with its own help text; an image without it is refused with a
message on that field.
"""

import io
import json

import pytest
from PIL import Image as PILImage

from tests import factories

pytestmark = pytest.mark.django_db
WAGTAIL_WARNING = "Veuillez fournir un descriptif"
HELP = "Décrivez ce que montre l&#x27;image"


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editrice", "e@example.org", "mot-de-passe"))
    return client


def jpeg(name="kaya.jpg", size=(1400, 900)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (40, 120, 90)).save(buffer, "JPEG", quality=70)
    buffer.seek(0)
    buffer.name = name
    return buffer


def assert_no_unrelated_warning(html: str):
    assert WAGTAIL_WARNING not in html
    assert 'class="error-message"' not in html  # Wagtail's bold red warning style, with nothing to report


def test_the_multiple_upload_page_guides_without_a_warning(editor):
    html = editor.get("/admin/images/multiple/add/").content.decode()
    assert_no_unrelated_warning(html)
    assert html.count("data-alt-text-guidance") == 1  # said once, as plain help
    assert "texte alternatif" in html


def test_an_uploaded_file_asks_for_its_alt_text_in_its_own_form(editor):
    response = editor.post("/admin/images/multiple/add/", {"files[]": jpeg()})
    data = json.loads(response.content)
    assert data["success"], data
    form = data["form"]
    assert_no_unrelated_warning(form)
    assert "description" in form and HELP in form  # the field, with its guidance


def test_the_single_forms_show_the_guidance_and_no_warning(editor):
    image = factories.make_image()
    for url in ("/admin/images/add/", f"/admin/images/{image.pk}/"):
        html = editor.get(url).content.decode()
        assert_no_unrelated_warning(html)
        assert html.count(HELP) == 1, url


def test_an_image_without_alt_text_is_refused_on_that_field(editor):
    response = editor.post("/admin/images/add/", {"title": "Kaya", "file": jpeg(), "description": "", "credit": ""})
    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["form"].errors
    assert list(errors) == ["description"], errors
