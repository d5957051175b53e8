"""What an editor may upload, checked when the file arrives, with messages in French that say what to do.

Wagtail plugs these in through WAGTAILIMAGES_IMAGE_FORM_BASE and WAGTAILDOCS_DOCUMENT_FORM_BASE (settings):
every upload path of the admin (the add page, the multiple uploader, the chooser's upload tab, the edit page
when a file is replaced) builds its form from them, so nothing reaches storage without passing here.
Files loaded by `load_content` (the demo content) do not go through forms.

Images: the extension is one of WAGTAILIMAGES_EXTENSIONS and the content really is that format (Wagtail
opens it with Willow, so a text, HTML or SVG file named `.jpg` is refused), the whole picture decodes (a
truncated or damaged file would break renditions later), the weight and the number of pixels stay under
WAGTAILIMAGES_MAX_UPLOAD_SIZE / WAGTAILIMAGES_MAX_IMAGE_PIXELS, and the picture is at least IMAGE_MIN_WIDTH x
IMAGE_MIN_HEIGHT pixels (400 x 200): 400 px is the smallest width the site serves, so anything narrower is
enlarged, hence blurred, on every screen; the height floor refuses slivers, while letting through logos
(400 x 400 in the demo) and panoramas.
Documents: the extension is one of WAGTAILDOCS_EXTENSIONS, the weight is under WAGTAILDOCS_MAX_UPLOAD_SIZE,
and the content matches the extension and is harmless (document_content.py: a PDF starts with `%PDF-` and
holds no web page; Office and OpenDocument files are ZIP archives holding their own manifest, and no zip
bomb; CSV and text files are text with no HTML, SVG or script in them).
"""

from __future__ import annotations

import os
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from wagtail.documents.fields import WagtailDocumentField
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from .document_content import ContentRefused, check_document_content

FORMAT_LABELS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WebP", "avif": "AVIF", "gif": "GIF",
                 "pdf": "PDF", "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "pptx": "PowerPoint (.pptx)",
                 "odt": "OpenDocument texte (.odt)", "ods": "OpenDocument tableur (.ods)", "csv": "CSV",
                 "txt": "texte (.txt)"}


def _formats(extensions) -> str:
    return ", ".join(dict.fromkeys(FORMAT_LABELS.get(e, e.upper()) for e in extensions))


def _extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def weight(size: int | None) -> str:
    """A file size as editors' file explorers show it in French: 48,8 Ko, 15 Mo (1 Ko = 1 024 octets)."""
    if size is None:
        return ""
    for unit, factor in (("Go", 1024 ** 3), ("Mo", 1024 ** 2), ("Ko", 1024)):
        if size >= factor:
            value = size / factor
            return f"{number_format(round(value, 1), decimal_pos=0 if value >= 100 or value == int(value) else 1)} {unit}"
    return f"{size} octets"


def _too_heavy(field, f):
    if field.max_upload_size is not None and f.size > field.max_upload_size:
        raise ValidationError(field.error_messages["file_too_large"] % {
            "file_size": weight(f.size), "max_filesize": weight(field.max_upload_size)}, code="file_too_large")


def _megapixels(pixels: int) -> str:
    return number_format(round(pixels / 1_000_000, 1), decimal_pos=1 if pixels % 1_000_000 else 0)


# --- images ---

class SiteImageField(WagtailImageField):
    """Wagtail's image field (extension, real format, weight, pixel count) with French messages, plus a
    minimum size and a decode of the whole file (a truncated photo is refused, not a server error)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_upload_size_text = weight(self.max_upload_size)
        self.min_width = getattr(settings, "IMAGE_MIN_WIDTH", 400)
        self.min_height = getattr(settings, "IMAGE_MIN_HEIGHT", 200)
        formats = _formats(self.allowed_image_extensions)
        limits = [_("Formats acceptés : %(formats)s.") % {"formats": formats}]
        if self.max_upload_size is not None:
            limits.append(_("Poids maximal : %(size)s.") % {"size": self.max_upload_size_text})
        limits.append(_("Au moins %(width)s × %(height)s pixels.") % {"width": self.min_width,
                                                                      "height": self.min_height})
        self.help_text = " ".join(limits)
        self.error_messages.update({
            "required": _("Choisissez une image à envoyer."),
            "invalid_image": _("Ce fichier n'est pas une image lisible (c'est peut-être un document, une page "
                               "web ou un fichier SVG renommé). Envoyez une photo au format %(formats)s.")
                             % {"formats": formats},
            "invalid_image_extension": _("Ce format n'est pas accepté. Formats acceptés : %(formats)s.")
                                       % {"formats": formats},
            "invalid_image_known_format": _(
                "Le nom du fichier se termine par .%(extension)s mais le fichier contient une image "
                "%(image_format)s. Renommez-le avec la bonne extension ou exportez-le à nouveau."),
            "file_too_large": _("Ce fichier est trop lourd (%(file_size)s) : %(max_filesize)s au maximum. "
                                "Réduisez la photo (2 400 pixels de large suffisent pour le site) ou "
                                "compressez-la, puis envoyez-la à nouveau."),
            "file_too_large_unknown_size": _("Ce fichier est trop lourd : %(max_filesize)s au maximum.")
                                           % {"max_filesize": self.max_upload_size_text},
            "image_too_small": _(
                "Cette image est trop petite (%(width)s × %(height)s pixels) : elle paraîtrait floue sur le "
                "site. Il faut au moins %(min_width)s pixels de large et %(min_height)s pixels de haut. "
                "Envoyez le fichier d'origine (celui de l'appareil photo), pas une copie réduite par une "
                "messagerie ou un réseau social."),
            "image_damaged": _("Cette image est endommagée ou incomplète : elle ne peut pas être lue en entier. "
                               "Exportez-la à nouveau depuis l'appareil ou le logiciel d'origine."),
            "image_too_many_pixels": _(
                "Cette image est trop grande (%(megapixels)s mégapixels) : %(max_megapixels)s mégapixels au "
                "maximum. Réduisez-la, par exemple à 4 000 pixels de large, puis envoyez-la à nouveau."),
        })

    def check_image_file_size(self, f):
        _too_heavy(self, f)

    def check_image_file_format(self, f):
        extension = _extension(f.name)
        if extension not in self.allowed_image_extensions:
            raise ValidationError(self.error_messages["invalid_image_extension"], code="invalid_image_extension")
        actual = f.image.format_name  # what the bytes are, as Willow reads them
        if actual not in self.allowed_image_extensions:  # e.g. an SVG or an HTML page named .jpg
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image")
        if actual != extension.replace("jpg", "jpeg"):
            raise ValidationError(self.error_messages["invalid_image_known_format"] % {
                "extension": extension, "image_format": FORMAT_LABELS.get(actual, actual.upper())},
                code="invalid_image_known_format")

    def check_image_pixel_size(self, f):
        """Replaces Wagtail's check, which decodes the whole picture through Willow and lets a truncated
        file escape as an OSError (a server error): count the pixels before decoding, decode (cheaply: JPEG
        at 1/8 scale), and measure the picture as it will be shown, i.e. after the EXIF rotation phones record."""
        limit = self.max_image_pixels
        f.seek(0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", PILImage.DecompressionBombWarning)
                with PILImage.open(f) as img:
                    width, height = img.size
                    pixels = width * height * getattr(img, "n_frames", 1)
                    if limit is not None and pixels > limit:
                        raise self.too_many_pixels(pixels)
                    if img.format == "JPEG":
                        img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    img.load()
                    if img.getexif().get(0x0112) in (5, 6, 7, 8):  # taken sideways: shown rotated
                        width, height = height, width
        except ValidationError:
            raise
        except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
            raise self.too_many_pixels(None) from None
        except Exception as exc:  # noqa: BLE001  (Pillow raises OSError, SyntaxError, ValueError…)
            raise ValidationError(self.error_messages["image_damaged"], code="image_damaged") from exc
        finally:
            f.seek(0)
        if width < self.min_width or height < self.min_height:
            raise ValidationError(
                self.error_messages["image_too_small"] % {"width": width, "height": height,
                                                          "min_width": self.min_width,
                                                          "min_height": self.min_height},
                code="image_too_small")

    def too_many_pixels(self, pixels: int | None) -> ValidationError:
        limit = min(self.max_image_pixels or PILImage.MAX_IMAGE_PIXELS, PILImage.MAX_IMAGE_PIXELS * 2)
        return ValidationError(self.error_messages["image_too_many_pixels"] % {
            "megapixels": _megapixels(pixels) if pixels else _("plus de %s") % _megapixels(limit),
            "max_megapixels": _megapixels(limit)}, code="file_too_many_pixels")


def _replace_file_field(form, field_class):
    old = form.fields.get("file")
    if old is not None and not isinstance(old, field_class):
        form.fields["file"] = field_class(label=old.label, required=old.required, widget=old.widget)


class ImageForm(BaseImageForm):
    """WAGTAILIMAGES_IMAGE_FORM_BASE: every image upload form of the admin."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _replace_file_field(self, SiteImageField)


# --- documents ---

class SiteDocumentField(WagtailDocumentField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_upload_size_text = weight(self.max_upload_size)
        self.allowed_extensions = list(getattr(settings, "WAGTAILDOCS_EXTENSIONS", None) or [])
        formats = _formats(self.allowed_extensions)
        limits = []
        if self.allowed_extensions:
            limits.append(_("Formats acceptés : %(formats)s.") % {"formats": formats})
        if self.max_upload_size is not None:
            limits.append(_("Poids maximal : %(size)s.") % {"size": self.max_upload_size_text})
        self.help_text = " ".join(limits)
        self.error_messages.update({
            "required": _("Choisissez un fichier à envoyer."),
            "empty": _("Ce fichier est vide."),
            "file_too_large": _("Ce fichier est trop lourd (%(file_size)s) : %(max_filesize)s au maximum. Pour un "
                                "PDF, utilisez « Réduire la taille du fichier » ou « Optimiser pour le web », "
                                "ou publiez-le en plusieurs parties."),
            "file_too_large_unknown_size": _("Ce fichier est trop lourd : %(max_filesize)s au maximum.")
                                           % {"max_filesize": self.max_upload_size_text},
            "invalid_extension": _("Le format « .%(extension)s » n'est pas accepté. Formats acceptés : "
                                   "%(formats)s."),
            "content_mismatch": _("Le nom du fichier se termine par .%(extension)s mais son contenu n'est pas un "
                                  "fichier %(format)s : il est endommagé, ou c'est un autre type de fichier "
                                  "renommé. Enregistrez-le à nouveau au format %(format)s depuis le logiciel "
                                  "qui l'a créé."),
            "pdf_web_content": _("Ce fichier commence comme un PDF mais contient du code de page web (HTML, SVG ou "
                                 "script) : ce n'est pas un PDF ordinaire, il pourrait s'exécuter dans le "
                                 "navigateur de qui l'ouvre. Exportez à nouveau le document en PDF depuis le "
                                 "logiciel qui l'a créé (Fichier > Exporter > PDF)."),
            "text_web_content": _("Ce fichier .%(extension)s contient du code de page web (balises HTML, SVG ou "
                                  "script) : il pourrait s'exécuter dans le navigateur de qui l'ouvre. Pour "
                                  "publier ce contenu, copiez son texte dans une page du site, ou enregistrez-le "
                                  "en texte brut ou en PDF."),
            "archive_too_large": _("Ce fichier %(format)s se décompresse en plus de %(max)s : c'est anormal pour "
                                   "un document de ce poids (un fichier piégé peut ainsi bloquer l'ordinateur de "
                                   "qui l'ouvre). Enregistrez-le à nouveau depuis le logiciel qui l'a créé, ou "
                                   "exportez-le en PDF, puis envoyez-le à nouveau."),
            "archive_ratio": _("Ce fichier %(format)s contient des données comprimées plus de %(ratio)s fois : "
                               "c'est le signe d'un fichier piégé (« bombe de décompression »), pas d'un "
                               "document ordinaire. Enregistrez-le à nouveau depuis le logiciel qui l'a créé, ou "
                               "exportez-le en PDF, puis envoyez-le à nouveau."),
            "archive_entries": _("Ce fichier %(format)s contient %(count)s éléments, %(max)s au maximum : ce "
                                 "n'est pas un document ordinaire. Enregistrez-le à nouveau depuis le logiciel "
                                 "qui l'a créé, ou exportez-le en PDF."),
            "archive_nested": _("Ce fichier %(format)s contient des archives imbriquées les unes dans les autres "
                                "(un objet incorporé qui en contient un autre) : ce n'est pas un document "
                                "ordinaire. Supprimez les objets incorporés (ou remplacez-les par des images), "
                                "ou exportez le document en PDF."),
        })

    def check_document_file_size(self, f):
        _too_heavy(self, f)

    def to_python(self, data):
        f = super().to_python(data)  # calls check_document_file_size
        if f is None:
            return None
        extension = _extension(f.name)
        if self.allowed_extensions and extension not in self.allowed_extensions:
            raise ValidationError(self.error_messages["invalid_extension"] % {
                "extension": extension or "?", "formats": _formats(self.allowed_extensions)},
                code="invalid_extension")
        try:
            check_document_content(extension, f)
        except ContentRefused as refused:
            params = {"extension": extension, "format": FORMAT_LABELS.get(extension, extension.upper()),
                      **refused.params}
            if refused.code == "archive_too_large":
                params["max"] = weight(params["max"])
            if refused.code == "archive_entries":
                params = {**params, "count": number_format(params["count"], force_grouping=True),
                          "max": number_format(params["max"], force_grouping=True)}
            raise ValidationError(self.error_messages[refused.code] % params, code=refused.code) from None
        return f


class DocumentForm(BaseDocumentForm):
    """WAGTAILDOCS_DOCUMENT_FORM_BASE: every document upload form of the admin."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _replace_file_field(self, SiteDocumentField)

    def _post_clean(self):
        # Wagtail's Document.clean checks the extension of the file the form refused, and adds Django's
        # "extension « » not allowed" under our message: keep ours alone.
        refused = list(self._errors.get("file") or [])
        super()._post_clean()
        if refused:
            self._errors["file"] = self.error_class(refused)
