"""Images with the accessibility and attribution data the site needs on every picture.

Wagtail's own image has an optional `description` used as alt text; here it is mandatory (every image is
shown to screen-reader users) and a `credit` line travels with the image to every page that shows it.
"""

import logging

import graphene
from graphene.types.generic import GenericScalar
from django.db import models
from django.utils.translation import gettext_lazy as _
from grapple.models import GraphQLField, GraphQLString
from wagtail.images.models import AbstractImage, AbstractRendition, Filter, Image

from cms.core.stream_cache import memoized

logger = logging.getLogger(__name__)

# Widths the static site asks for: phones, tablets, desktops (srcset) and the social-card size.
SITE_RENDITION_WIDTHS = (400, 800, 1200)


class SiteRendition(graphene.ObjectType):
    """One ready-made file of an image for the site's srcset."""

    url = graphene.String(required=True)
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)
    format = graphene.String(required=True, description="webp, jpeg, png or gif")


class CustomImage(AbstractImage):
    description = models.CharField(
        _("texte alternatif"),
        max_length=255,
        help_text=_("Décrivez ce que montre l'image pour les personnes qui ne la voient pas "
                    "(obligatoire). Ex. : « Deux élèves lisent sous le préau de l'école de Kaya »."),
    )
    credit = models.CharField(
        _("crédit"),
        max_length=255,
        blank=True,
        help_text=_("Auteur ou source de l'image, affiché sous la photo. Ex. : « Photo : Awa Diallo »."),
    )

    admin_form_fields = Image.admin_form_fields + ("credit",)
    graphql_fields = [
        GraphQLString("alt", source="default_alt_text", required=True),
        GraphQLString("credit"),
        GraphQLField("site_renditions", SiteRendition, is_list=True, required=True,
                     description="The widths the site uses (400, 800, 1200), original format and WebP."),
        # The same list as one JSON value: in the builder's bulk pull, graphene resolving 6 x 4 typed fields
        # per image was more than half of all the fields of the site (api/export.py).
        GraphQLField("site_renditions_json", GenericScalar, required=True, source="site_renditions",
                     description="siteRenditions as one JSON list of {url, width, height, format}."),
    ]

    def site_renditions(self, info=None, **kwargs):
        """Generated once, then read from the prefetched `renditions` (no query per image in bulk reads).
        Within a bulk read, an image shown on many pages is worked out once (core/stream_cache.py)."""
        return memoized(("site_renditions", self.pk, self.file.name, self._focal_key()),
                        self._site_renditions)

    def _focal_key(self):
        return f"{self.focal_point_x}-{self.focal_point_y}-{self.focal_point_width}-{self.focal_point_height}"

    def _site_renditions(self):
        try:
            renditions = self.get_renditions(*SITE_FILTERS)
        except (OSError, ValueError) as exc:  # SourceImageIOError is an OSError
            # A lost or corrupt original must not break the pages around it: the site leaves it out.
            logger.warning("image %s (%s) has no usable file: %s", self.pk, self.title, exc)
            return []
        original_format = (self.file.name.rsplit(".", 1)[-1] or "jpeg").lower().replace("jpg", "jpeg")
        return [{"url": r.url, "width": r.width, "height": r.height,
                 "format": "webp" if spec.endswith("webp") else original_format}
                for spec, r in renditions.items()]


    @property
    def default_alt_text(self):
        return self.description or self.title

    class Meta(AbstractImage.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")


# Parsed once: Wagtail parses a filter spec (with `inspect`) on each new Filter, which cost more than
# everything else in a bulk read when done per image.
SITE_FILTERS = [Filter(spec=f"width-{w}") for w in SITE_RENDITION_WIDTHS] + \
               [Filter(spec=f"width-{w}|format-webp") for w in SITE_RENDITION_WIDTHS]


class CustomRendition(AbstractRendition):
    image = models.ForeignKey(CustomImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
