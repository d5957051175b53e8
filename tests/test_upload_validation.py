"""What editors may upload, through Wagtail's own admin views as a logged-in user: a bad file is refused with
a French message saying what to do, and nothing is created (no image, no document, no file in storage)."""

from __future__ import annotations

import io
import random
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

OOXML_MAIN = {"docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
              "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
              "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml")}
ODF_TYPES = {"odt": "application/vnd.oasis.opendocument.text",
             "ods": "application/vnd.oasis.opendocument.spreadsheet"}


def office_file(kind="docx", extra=(), main_type=None) -> bytes:
    """A minimal file of that format, as its application writes it (manifest, main part); `extra`: more
    (name, bytes) entries, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if kind in ODF_TYPES:
            archive.writestr(zipfile.ZipInfo("mimetype"), ODF_TYPES[kind])  # first and stored, as ODF requires
            archive.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:'
                                                      'tc:opendocument:xmlns:manifest:1.0"/>')
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            part, main = OOXML_MAIN[kind]
            content_type = main_type or f"application/vnd.openxmlformats-officedocument.{main}"
            archive.writestr("[Content_Types].xml",
                             '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://'
                             'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
                             f'ContentType="application/xml"/><Override PartName="/{part}" '
                             f'ContentType="{content_type}"/></Types>')
            archive.writestr(part, "<x/>")
        for name, data in extra:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=len(data) > 2 ** 31) as member:  # streamed: stays cheap
                for start in range(0, len(data), 1 << 20):
                    member.write(data[start:start + (1 << 20)])
    return buffer.getvalue()


def zeros_member(name: str, size: int) -> tuple[str, "Zeros"]:
    return name, Zeros(size)


class Zeros:
    """`size` zero bytes, handed out in slices, so a 200 MB member is never held in memory."""

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, part: slice):
        return bytes(len(range(*part.indices(self.size))))


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    """A .docx of about 200 KB that inflates to 200 MB (one member of zeros, compressed 1000 times)."""
    return office_file("docx", [zeros_member("word/media/image1.png", 200 * 1024 * 1024)])


@pytest.mark.parametrize("name,content", [
    ("rapport.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"),
    ("budget.xlsx", office_file("xlsx")),
    ("compte-rendu.docx", office_file("docx")),
    ("presentation.pptx", office_file("pptx")),
    ("compte-rendu.odt", office_file("odt")),
    ("budget.ods", office_file("ods")),
    ("beneficiaires.csv", "village;familles\nKaya;120\n".encode("cp1252")),
    ("notes.txt", "Objectif < 5 ans ; budget > 3 000 € ; R&D : 2 <-> 3\n".encode()),
    ("rapport-xmp.pdf", b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type/Metadata/Subtype/XML>> stream\n"
                        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
                        b"<rdf:RDF><rdf:Description><dc:title>Rapport</dc:title></rdf:Description></rdf:RDF>"
                        b"</x:xmpmeta>\nendstream endobj\n2 0 obj <</Type/Catalog/Pages 3 0 R>> endobj\n"
                        b"trailer <</ID [<a1b2c3><a1b2c3>]>>\n%%EOF\n"),
    # A report with a chart: Word embeds the chart's workbook (an .xlsx, itself a ZIP) inside the .docx.
    ("rapport-graphique.docx", office_file("docx", [("word/embeddings/Microsoft_Excel_Worksheet.xlsx",
                                                     office_file("xlsx"))])),
    # Photos are stored already compressed: a 3 MB picture barely shrinks, which is fine.
    ("photos.pptx", office_file("pptx", [("ppt/media/image1.jpg",
                                                      random.Random(7).randbytes(3_000_000))])),
], ids=["pdf", "xlsx", "docx", "pptx", "odt", "ods", "csv", "txt-with-angle-brackets", "pdf-with-xmp",
        "docx-with-embedded-chart", "pptx-with-photos"])
def test_a_real_document_is_accepted(admin_client, media_root, name, content):
    response = add_document(admin_client, name, content)
    assert response.status_code == 302, form_errors(response)
    assert get_document_model().objects.count() == 1


@pytest.mark.parametrize("name,content,fmt", [
    ("rapport.pdf", b"<html><body>Ceci n'est pas un PDF</body></html>", "PDF"),
    ("rapport.docx", b"%PDF-1.7\n%%EOF\n", "Word (.docx)"),
    ("budget.xlsx", office_file("docx"), "Excel (.xlsx)"),
    ("notes.txt", picture((500, 500)), "texte (.txt)"),
    # An HTML page that mentions the PDF marker in its first kilobyte (readers would accept it there).
    ("rapport.pdf", b"<html><body><script>alert(document.domain)</script>%PDF-1.7 </body></html>", "PDF"),
    ("rapport.pdf", b"\n\n%PDF-1.7\n%%EOF\n", "PDF"),
    ("budget.xlsx", office_file("xlsx", main_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
     "Excel (.xlsx)"),
    ("rapport.docx", office_file("xlsx"), "Word (.docx)"),
    ("budget.ods", office_file("odt"), "OpenDocument tableur (.ods)"),
    ("presentation.pptx", b"PK\x03\x04 not really a zip", "PowerPoint (.pptx)"),
], ids=["html-as-pdf", "pdf-as-docx", "docx-as-xlsx", "jpeg-as-txt", "html-mentioning-pdf",
        "pdf-marker-after-a-prefix", "macro-workbook-as-xlsx", "xlsx-as-docx", "odt-as-ods", "broken-zip"])
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


@pytest.mark.parametrize("name,content", [
    ("rapport.pdf", b"%PDF-1.7\n<html><body><script>alert(document.domain)</script></body></html>\n%%EOF\n"),
    ("rapport.pdf", b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\n<svg onload=alert(1)>\n%%EOF\n"),
    ("rapport.pdf", b"%PDF-1.4\n<IFRAME SRC=//example.org/>\n%%EOF\n"),
], ids=["html-after-marker", "svg-after-marker", "iframe-after-marker"])
def test_a_pdf_that_is_also_a_web_page_is_refused(admin_client, media_root, name, content):
    response = add_document(admin_client, name, content)
    assert_refused(response, "Ce fichier commence comme un PDF mais contient du code de page web",
                   "Exportez à nouveau le document en PDF", model=get_document_model())
    assert stored_files(media_root) == []


@pytest.mark.parametrize("name,content", [
    ("notes.txt", b'<iframe src="https://example.org/phishing" width="100%" height="100%"></iframe>'),
    ("notes.txt", b"\xef\xbb\xbf  \n<p>Bonjour</p>"),
    ("notes.txt", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("notes.txt", b"<?xml version='1.0'?><x:script xmlns:x='http://www.w3.org/1999/xhtml'>alert(1)</x:script>"),
    ("notes.txt", b"Compte rendu de la mission\n\n<img src=x onerror=alert(1)>\n"),
    ("liste.csv", b"<!doctype html><script>alert(1)</script>"),
    ("liste.csv", b"village;familles\nKaya;<script>alert(1)</script>\n"),
    ("liste.csv", b"village;familles\nKaya;<SCRIPT\tsrc=//example.org/x.js></SCRIPT>\n"),
], ids=["iframe", "tag-after-bom", "svg", "xml", "img-later", "html-as-csv", "script-in-a-cell", "uppercase-script-in-a-cell"])
def test_a_text_file_holding_markup_is_refused(admin_client, media_root, name, content):
    response = add_document(admin_client, name, content)
    extension = name.rsplit(".", 1)[1]
    assert_refused(response, f"Ce fichier .{extension} contient du code de page web",
                   "copiez son texte dans une page du site", model=get_document_model())
    assert stored_files(media_root) == []


def test_a_zip_bomb_named_docx_is_refused_without_being_inflated(admin_client, media_root, docx_bomb,
                                                                 monkeypatch):
    inflated = []
    real_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = real_read(self, n)
        inflated.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    assert len(docx_bomb) < 1024 * 1024
    response = add_document(admin_client, "rapport.docx", docx_bomb)
    assert_refused(response, "Ce fichier Word (.docx) se décompresse en plus de 100 Mo",
                   "exportez-le en PDF", model=get_document_model())
    assert stored_files(media_root) == []
    assert sum(inflated) < 64 * 1024, "sizes are read from the central directory, not by inflating"


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx", "odt", "ods"])
def test_a_small_but_extremely_compressed_member_is_refused(admin_client, media_root, kind):
    """20 MB of zeros (under the size cap) squeezed 1000 times: no real document compresses like that."""
    bomb = office_file(kind, [zeros_member("media/blank.bin", 20 * 1024 * 1024)])
    response = add_document(admin_client, f"fichier.{kind}", bomb)
    assert_refused(response, "contient des données comprimées plus de 100 fois", "bombe de décompression",
                   model=get_document_model())


def test_many_small_members_count_towards_the_ratio_of_the_whole(admin_client, media_root):
    """400 members of 512 KB of zeros: each under the per-member grace, 200 MB in all from a few hundred KB."""
    members = [zeros_member(f"word/media/part{i}.bin", 512 * 1024) for i in range(400)]
    response = add_document(admin_client, "rapport.docx", office_file("docx", members))
    assert_refused(response, "Ce fichier Word (.docx) se décompresse en plus de 100 Mo", model=get_document_model())


def test_an_archive_with_too_many_entries_is_refused(admin_client, media_root, settings):
    settings.DOCUMENT_ARCHIVE_MAX_ENTRIES = 500
    members = [(f"xl/worksheets/sheet{i}.xml", b"<x/>") for i in range(600)]
    response = add_document(admin_client, "budget.xlsx", office_file("xlsx", members))
    assert_refused(response, "Ce fichier Excel (.xlsx) contient 602 éléments, 500 au maximum",
                   model=get_document_model())


def test_archives_nested_in_an_embedded_archive_are_refused(admin_client, media_root):
    inner = office_file("xlsx", [("xl/embeddings/deeper.zip", office_file("docx"))])
    response = add_document(admin_client, "rapport.docx",
                            office_file("docx", [("word/embeddings/Microsoft_Excel_Worksheet.xlsx", inner)]))
    assert_refused(response, "Ce fichier Word (.docx) contient des archives imbriquées",
                   "Supprimez les objets incorporés", model=get_document_model())


def test_an_embedded_bomb_counts_towards_the_whole(admin_client, media_root):
    inner = office_file("xlsx", [zeros_member("xl/media/blank.bin", 150 * 1024 * 1024)])
    response = add_document(admin_client, "rapport.docx",
                            office_file("docx", [("word/embeddings/Microsoft_Excel_Worksheet.xlsx", inner)]))
    assert_refused(response, "Ce fichier Word (.docx)", model=get_document_model())
    assert any(fragment in page_text(response) for fragment in ("se décompresse en plus de 100 Mo",
                                                                "comprimées plus de 100 fois"))


def test_a_declared_million_entries_is_refused_before_zipfile_reads_them(media_root):
    """The end record alone says how many entries follow: it is read first, so a crafted archive cannot
    make the server build a million objects."""
    from cms.multimedia.document_content import ContentRefused, check_document_content

    data = bytearray(office_file("docx"))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = (0xFFFE).to_bytes(2, "little") * 2  # entries on this disk, entries in all
    with pytest.raises(ContentRefused) as refused:
        check_document_content("docx", io.BytesIO(bytes(data)))
    assert refused.value.code == "archive_entries" and refused.value.params["count"] == 0xFFFE
