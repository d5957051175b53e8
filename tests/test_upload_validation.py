"""What editors may upload, through Wagtail's own admin views as a logged-in user: a bad file is refused with
a French message saying what to do, and nothing is created (no image, no document, no file in storage)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

pytestmark = pytest.mark.django_db


def picture(size=(1200, 800), fmt="JPEG", noise=False, **save) -> bytes:
    buffer = io.BytesIO()
    image = PILImage.effect_noise(size, 64).convert("RGB") if noise else PILImage.new("RGB", size, (200, 120, 40))
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def add_image(client, name, content, *, title="Puits de Kaya", alt="Des enfants tirent l'eau du puits"):
    return client.post("/admin/images/add/", {
        "title": title, "description": alt, "credit": "Photo : test",
        "collection": Collection.get_first_root_node().pk, "tags": "",
        "file": SimpleUploadedFile(name, content, content_type="image/jpeg"),
    })


def add_document(client, name, content):
    return client.post("/admin/documents/add/", {
        "title": "Rapport", "collection": Collection.get_first_root_node().pk, "tags": "",
        "file": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
    })


def page_text(response) -> str:
    import html

    return html.unescape(response.content.decode())


def form_errors(response) -> list[str]:
    """The error messages the form shows (to explain a failed assertion)."""
    import re

    text = page_text(response)
    return [re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", m)).strip()
            for m in re.findall(r'(?s)class="[^"]*error-message[^"]*"[^>]*>(.*?)</(?:p|div|span)>', text)]


def assert_refused(response, *fragments, model=None):
    assert response.status_code == 200, "the form is shown again, not a redirect to the new object"
    text = page_text(response)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in the page's errors: {form_errors(response)}"
    assert (model or get_image_model()).objects.count() == 0


def stored_files(settings_media_root) -> list:
    return [p for p in settings_media_root.rglob("*") if p.is_file()]


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_good_photo_is_accepted(admin_client, media_root):
    response = add_image(admin_client, "puits.jpg", picture())
    assert response.status_code == 302, form_errors(response)
    image = get_image_model().objects.get()
    assert (image.width, image.height) == (1200, 800)
    assert image.description == "Des enfants tirent l'eau du puits"
    assert len(stored_files(media_root)) == 1


def test_a_logo_at_the_minimum_size_is_accepted(admin_client, media_root):
    response = add_image(admin_client, "logo.png", picture((400, 200), "PNG"))
    assert response.status_code == 302, form_errors(response)


def test_a_too_small_photo_is_refused_with_the_reason_and_the_fix(admin_client, media_root):
    response = add_image(admin_client, "vignette.jpg", picture((320, 240)))
    assert_refused(response, "Cette image est trop petite (320 × 240 pixels)",
                   "elle paraîtrait floue sur le site", "au moins 400 pixels de large et 200 pixels de haut",
                   "Envoyez le fichier d'origine")
    assert stored_files(media_root) == []


def test_a_photo_taken_sideways_is_measured_as_it_is_shown(admin_client, media_root):
    """1000 x 300 pixels stored, EXIF orientation 6: shown 300 px wide, too narrow."""
    exif = PILImage.Exif()
    exif[0x0112] = 6
    response = add_image(admin_client, "portrait.jpg", picture((1000, 300), exif=exif.tobytes()))
    assert_refused(response, "Cette image est trop petite (300 × 1000 pixels)")


def test_a_too_short_sliver_is_refused(admin_client, media_root):
    response = add_image(admin_client, "bandeau.jpg", picture((1600, 120)))
    assert_refused(response, "Cette image est trop petite (1600 × 120 pixels)")


@pytest.mark.parametrize("name,content", [
    ("photo.jpg", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
    ("photo.jpg", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("photo.jpg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)" width="900" height="900"/>'),
], ids=["pdf", "html", "svg"])
def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(admin_client, media_root, name, content):
    response = add_image(admin_client, name, content)
    assert_refused(response, "Ce fichier n'est pas une image lisible", "renommé")
    assert stored_files(media_root) == []


def test_an_image_under_the_wrong_extension_is_refused(admin_client, media_root):
    response = add_image(admin_client, "photo.jpg", picture(fmt="PNG"))
    assert_refused(response, "Le nom du fichier se termine par .jpg mais le fichier contient une image PNG")


def test_an_svg_is_refused_by_its_extension(admin_client, media_root):
    response = add_image(admin_client, "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="900"/>')
    assert_refused(response, "Ce format n'est pas accepté. Formats acceptés : AVIF, GIF, JPEG, PNG, WebP.")


def test_a_truncated_photo_is_refused_as_damaged(admin_client, media_root):
    whole = picture((1600, 1000), noise=True, quality=95)
    response = add_image(admin_client, "coupee.jpg", whole[: len(whole) // 2])
    assert_refused(response, "Cette image est endommagée ou incomplète")


def test_a_too_heavy_file_is_refused_with_both_sizes(admin_client, media_root, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 50_000
    heavy = picture((1600, 1000), noise=True, quality=95)
    assert len(heavy) > 50_000
    response = add_image(admin_client, "lourde.jpg", heavy)
    assert_refused(response, f"Ce fichier est trop lourd ({len(heavy) / 1024 / 1024:.1f} Mo)".replace(".", ","),
                   ": 48,8 Ko au maximum", "Réduisez la photo")


def test_too_many_pixels_is_refused_in_megapixels(admin_client, media_root, settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1_000_000
    response = add_image(admin_client, "immense.png", picture((1500, 1000), "PNG"))
    assert_refused(response, "Cette image est trop grande (1,5 mégapixels) : 1 mégapixels au maximum")


def test_the_multiple_uploader_refuses_a_too_small_photo_too(admin_client, media_root):
    response = admin_client.post("/admin/images/multiple/add/", {
        "files[]": SimpleUploadedFile("vignette.jpg", picture((300, 200)), content_type="image/jpeg")})
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is False
    assert "Cette image est trop petite (300 × 200 pixels)" in answer["error_message"]
    assert get_image_model().objects.count() == 0
    assert stored_files(media_root) == []


def test_the_add_form_tells_the_limits_before_the_upload(admin_client):
    text = page_text(admin_client.get("/admin/images/add/"))
    assert "Formats acceptés : AVIF, GIF, JPEG, PNG, WebP. Poids maximal : 15 Mo. Au moins 400 × 200 pixels." in text


# --- documents ---

def office_file(kind="docx") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr({"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind], "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name,content", [
    ("rapport.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"),
    ("budget.xlsx", office_file("xlsx")),
    ("compte-rendu.docx", office_file("docx")),
    ("beneficiaires.csv", "village;familles\nKaya;120\n".encode("cp1252")),
], ids=["pdf", "xlsx", "docx", "csv"])
def test_a_real_document_is_accepted(admin_client, media_root, name, content):
    response = add_document(admin_client, name, content)
    assert response.status_code == 302, form_errors(response)
    assert get_document_model().objects.count() == 1


@pytest.mark.parametrize("name,content,fmt", [
    ("rapport.pdf", b"<html><body>Ceci n'est pas un PDF</body></html>", "PDF"),
    ("rapport.docx", b"%PDF-1.7\n%%EOF\n", "Word (.docx)"),
    ("budget.xlsx", office_file("docx"), "Excel (.xlsx)"),
    ("liste.csv", b"<!doctype html><script>alert(1)</script>", "CSV"),
    ("notes.txt", picture((500, 500)), "texte (.txt)"),
], ids=["html-as-pdf", "pdf-as-docx", "docx-as-xlsx", "html-as-csv", "jpeg-as-txt"])
def test_a_document_whose_content_is_not_its_format_is_refused(admin_client, media_root, name, content, fmt):
    response = add_document(admin_client, name, content)
    assert_refused(response, f"mais son contenu n'est pas un fichier {fmt}", model=get_document_model())
    assert stored_files(media_root) == []


def test_a_document_with_a_refused_extension_is_refused(admin_client, media_root):
    response = add_document(admin_client, "page.html", b"<html></html>")
    assert_refused(response, "Le format « .html » n'est pas accepté. Formats acceptés : CSV, Word (.docx)",
                   model=get_document_model())


@override_settings(WAGTAILDOCS_MAX_UPLOAD_SIZE=1000)
def test_a_too_heavy_document_is_refused(admin_client, media_root):
    response = add_document(admin_client, "rapport.pdf", b"%PDF-1.7\n" + b"0" * 5000)
    assert_refused(response, "Ce fichier est trop lourd (4,9 Ko) : 1000 octets au maximum. Pour un PDF",
                   model=get_document_model())
