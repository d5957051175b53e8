"""Loads the YAML demo content (content/README.md) into Wagtail, idempotently.

Each item (image, document, theme, partner, page) is keyed by its slug or file name, and the digest of its
source is kept in `ContentFingerprint`: an unchanged item is skipped, a changed one is updated in place and
published as a new revision. So a second run changes nothing, and editing a YAML file updates one page.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.files.images import ImageFile
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from wagtail.blocks import ChooserBlock
from wagtail.documents import get_document_model
from wagtail.documents.models import AbstractDocument
from wagtail.images import get_image_model
from wagtail.images.models import AbstractImage
from wagtail.models import Locale, Page, Site

from cms.core import content_streams
from cms.core.content_streams import ContentError
from cms.core.models import ContentFingerprint, HomePage, SiteSettings, StandardPage
from cms.core.menu_loader import load_menus
from cms.projects.models import (BudgetLine, Partner, ProjectGalleryImage, ProjectIndexPage, ProjectKeyFigure,
                             ProjectPage, ProjectTheme, ProjectUpdate, SuggestedAmount)
from cms.stories.models import StoryIndexPage, StoryPage


def _coordinate(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def _place(update: dict, where: str) -> dict:
    """An update's place (`place`, `latitude`, `longitude` in its YAML): both coordinates or neither, as the
    admin requires, and a named point (the map's list of places shows the name)."""
    lat, lon, name = update.get("latitude"), update.get("longitude"), (update.get("place") or "").strip()
    if (lat is None) != (lon is None) or (lat is not None and not name):
        raise ContentError(f"{where}: a place needs a name, a latitude and a longitude (or none of them)")
    if lat is not None and not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
        raise ContentError(f"{where}: latitude in [-90, 90], longitude in [-180, 180]")
    return {"place_name": name, "latitude": _coordinate(lat), "longitude": _coordinate(lon)}


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _unchanged(key: str, digest: str) -> bool:
    return ContentFingerprint.objects.filter(key=key, digest=digest).exists()


def _remember(key: str, digest: str) -> None:
    ContentFingerprint.objects.update_or_create(key=key, defaults={"digest": digest})


class ContentLoader:
    def __init__(self, root: Path, log=print):
        self.root = Path(root)
        self.log = log
        self.images: dict[str, object] = {}
        self.documents: dict[str, object] = {}
        self.projects: dict[str, ProjectPage] = {}
        self.changed = 0

    # ---- files -------------------------------------------------------------------------------------
    def _yaml(self, path: Path):
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ContentError(f"{path}: {exc}") from exc

    def load_images(self):
        Image = get_image_model()
        meta = self._yaml(self.root / "images.yaml") or {}
        for name, info in sorted(meta.items()):
            path = self.root / "images" / name
            if not path.exists():
                raise ContentError(f"images.yaml: {name} has no file in images/")
            data = path.read_bytes()
            file_hash = hashlib.sha1(data).hexdigest()
            key = f"image:{name}"
            digest = _digest(info, file_hash)
            image = Image.objects.filter(title=info["title"], file_hash=file_hash).first()
            if image is None or not _unchanged(key, digest):
                if image is None:
                    with path.open("rb") as fh:
                        image = Image(title=info["title"], file=ImageFile(fh, name=name))
                        image.description = info["alt"]
                        image.credit = info.get("credit", "")
                        image.full_clean(exclude=["file_hash", "collection"])
                        image.save()
                else:
                    image.description, image.credit = info["alt"], info.get("credit", "")
                    image.save()
                image._set_file_hash()
                image.save(update_fields=["file_hash"])
                _remember(key, digest)
                self.changed += 1
            self.images[name] = image

    def load_document(self, name: str, title: str):
        if name in self.documents:
            return self.documents[name]
        Document = get_document_model()
        path = self.root / "documents" / name
        if not path.exists():
            raise ContentError(f"document {name} not found in documents/")
        doc = Document.objects.filter(title=title).first()
        if doc is None:
            with path.open("rb") as fh:
                doc = Document(title=title, file=File(fh, name=name))
                doc.save()
            self.changed += 1
        self.documents[name] = doc
        return doc

    def image(self, name, where):
        if not name:
            return None
        try:
            return self.images[name]
        except KeyError:
            raise ContentError(f"{where}: unknown image {name!r} (not in images.yaml)") from None

    # ---- streams -----------------------------------------------------------------------------------
    def stream(self, model, field_name: str, items, where):
        """YAML blocks -> the value of `model.field_name` (a StreamField), read through its blocks' own
        definitions (core/content_streams.py): nothing here depends on a block type."""
        stream_block = model._meta.get_field(field_name).stream_block
        return content_streams.stream_value(stream_block, items, where, self.resolve)

    def resolve(self, block: ChooserBlock, reference, fields, where):
        """A chooser's YAML reference -> the object: an image's file name (images.yaml), a document's file
        name (documents/, created with the block's `title` or its file name), a project's slug."""
        model = block.model_class
        if issubclass(model, AbstractImage):
            return self.image(reference, where)
        if issubclass(model, AbstractDocument):
            return self.load_document(reference, fields.get("title") or reference)
        if issubclass(model, Page):
            page = self.projects.get(reference)
            if page is None or not isinstance(page, tuple(block.target_models)):
                raise ContentError(f"{where}: unknown project {reference!r}")
            return page
        raise ContentError(f"{where}: a {model.__name__} cannot be chosen from content/ yet")

    # ---- pages -------------------------------------------------------------------------------------
    def upsert_page(self, parent: Page, model, slug: str, source, fill) -> Page:
        """Create or update the page `slug` under `parent`; `fill(page)` sets its fields."""
        key = f"page:{model._meta.label}:{slug}"
        digest = _digest(source)
        page = model.objects.child_of(parent).filter(slug=slug).first()
        if page is not None and _unchanged(key, digest):
            return page
        creating = page is None
        if creating:
            page = model(slug=slug, locale=parent.locale)
        fill(page)
        try:
            page.full_clean(exclude=["path", "depth", "numchild", "url_path"] if creating else None)
        except ValidationError as exc:
            raise ContentError(f"{model._meta.verbose_name} {slug!r}: {exc.message_dict}") from exc
        if creating:
            parent.add_child(instance=page)
        revision = page.save_revision(log_action=True)
        revision.publish()
        page.refresh_from_db()
        _remember(key, digest)
        self.changed += 1
        return page

    def load_site(self):
        site_data = self._yaml(self.root / "site.yaml")
        locale = Locale.get_default()
        # English is the second language: its locale exists from the start, ready for translations.
        if not Locale.objects.filter(language_code="en").exists():
            Locale.objects.create(language_code="en")
            self.changed += 1
        root = Page.get_first_root_node()

        for t in site_data.get("themes", []):
            self._upsert_simple(ProjectTheme, t["slug"], t, name=t["name"], color=t.get("color", "#1F6F8B"),
                                description=t.get("description", ""))
        for p in site_data.get("partners", []):
            self._upsert_simple(Partner, p["slug"], p, name=p["name"], url=p.get("url", ""),
                                logo=self.image(p.get("logo"), f"partner {p['slug']}"))

        settings = SiteSettings.load()
        wanted = {"tagline": site_data.get("tagline", ""), "contact_email": site_data.get("contact_email")
                  or settings.contact_email, "transparency_note": site_data.get("transparency_note", "")}
        if any(getattr(settings, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(settings, k, v)
            settings.save()
            self.changed += 1

        home_data = site_data["home"]

        def fill_home(page):
            page.title = home_data["title"]
            page.intro = home_data.get("intro", "")
            page.hero_image = self.image(home_data.get("hero"), "site.yaml home")
            page.body = self.stream(HomePage, "body", home_data.get("body"), "site.yaml home")
            page.seo_title = site_data.get("name", "")

        home = self.upsert_page(root, HomePage, "accueil", home_data, fill_home)
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(hostname="localhost", root_page=home, is_default_site=True,
                                site_name=site_data.get("name", ""))
        elif site.root_page_id != home.pk or site.site_name != site_data.get("name", ""):
            site.root_page, site.site_name = home, site_data.get("name", "")
            site.save()
        # Wagtail's "Welcome to your new Wagtail site!" placeholder has no place here.
        for stray in Page.objects.child_of(root).exclude(pk=home.pk).filter(depth=2, slug="home"):
            stray.delete()

        def index_filler(data):
            def fill(page):
                page.title, page.intro = data["title"], data.get("intro", "")
            return fill

        project_index = self.upsert_page(home, ProjectIndexPage, "projets", site_data["project_index"],
                                         index_filler(site_data["project_index"]))
        story_index = self.upsert_page(home, StoryIndexPage, "histoires", site_data["story_index"],
                                       index_filler(site_data["story_index"]))
        return site_data, locale, home, project_index, story_index

    def _upsert_simple(self, model, slug, source, **fields):
        key = f"{model._meta.label}:{slug}"
        digest = _digest(source)
        obj = model.objects.filter(slug=slug).first()
        if obj is not None and _unchanged(key, digest):
            return obj
        obj = obj or model(slug=slug)
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        _remember(key, digest)
        self.changed += 1
        return obj

    def load_projects(self, index):
        for path in sorted((self.root / "projects").glob("*.yaml")):
            data = self._yaml(path)
            where = f"projects/{path.name}"
            theme = ProjectTheme.objects.filter(slug=data.get("theme")).first()
            if theme is None:
                raise ContentError(f"{where}: unknown theme {data.get('theme')!r}")
            partners = list(Partner.objects.filter(slug__in=data.get("partners") or []))

            def fill(page, data=data, where=where, theme=theme, partners=partners):
                page.title, page.summary = data["title"], data["summary"]
                page.hero_image = self.image(data.get("hero"), where)
                page.theme, page.country, page.region = theme, data["country"], data.get("region", "")
                page.latitude, page.longitude = _coordinate(data.get("latitude")), _coordinate(data.get("longitude"))
                page.status = data.get("status", "active")
                page.start_date, page.end_date = data.get("start_date"), data.get("end_date")
                page.goal_amount, page.currency = int(data["goal"]), data.get("currency", "EUR")
                page.beneficiaries, page.featured = int(data.get("beneficiaries", 0)), bool(data.get("featured"))
                page.body = self.stream(ProjectPage, "body", data.get("body"), where)
                page.partners = partners
                page.key_figures = [ProjectKeyFigure(value=f["value"], unit=f.get("unit", ""), label=f["label"])
                                    for f in data.get("key_figures") or []]
                page.suggested_amounts = [SuggestedAmount(amount=int(a["amount"]), label=a.get("label", ""))
                                          for a in data.get("suggested_amounts") or []]
                page.budget_lines = [BudgetLine(label=b["label"], amount=int(b["amount"]))
                                     for b in data.get("budget") or []]
                page.gallery_images = [ProjectGalleryImage(image=self.image(g["image"], where),
                                                           caption=g.get("caption", ""))
                                       for g in data.get("gallery") or []]
                # an update's YAML lists its photos' file names: each is an image block of its stream
                page.updates = [ProjectUpdate(date=u["date"], title=u["title"], text=u["text"],
                                              photos=self.stream(ProjectUpdate, "photos", [
                                                  {"type": "image", "value": {"image": img}}
                                                  for img in u.get("images") or []], f"{where}, update {u['title']!r}"),
                                              **_place(u, f"{where}, update {u['title']!r}"))
                                for u in data.get("updates") or []]

            self.projects[data["slug"]] = self.upsert_page(index, ProjectPage, data["slug"], data, fill)

    def load_standard_pages(self, home, pages):
        for data in pages:
            where = f"site.yaml page {data['slug']}"

            def fill(page, data=data, where=where):
                page.title, page.intro = data["title"], data.get("intro", "")
                page.body = self.stream(StandardPage, "body", data.get("body"), where)

            self.upsert_page(home, StandardPage, data["slug"], data, fill)

    def load_stories(self, index):
        for path in sorted((self.root / "stories").glob("*.yaml")):
            data = self._yaml(path)
            where = f"stories/{path.name}"
            related = []
            for slug in data.get("related_projects") or []:
                if slug not in self.projects:
                    raise ContentError(f"{where}: unknown related project {slug!r}")
                related.append(self.projects[slug])

            def fill(page, data=data, where=where, related=related):
                page.title, page.date, page.author = data["title"], data["date"], data["author"]
                page.hero_image = self.image(data.get("hero"), where)
                page.intro = data["intro"]
                page.body = self.stream(StoryPage, "body", data.get("body"), where)
                page.related_projects = related
                page.tags.set(data.get("tags") or [], clear=True)

            self.upsert_page(index, StoryPage, data["slug"], data, fill)

    @transaction.atomic
    def run(self) -> int:
        if not (self.root / "site.yaml").exists():
            raise ContentError(f"{self.root}: no site.yaml here (is this the content/ folder?)")
        self.load_images()
        site_data, _locale, home, project_index, story_index = self.load_site()
        self.load_projects(project_index)
        self.load_standard_pages(home, site_data.get("pages") or [])
        self.load_stories(story_index)
        self.changed += load_menus(self.root, home)
        self.load_gifts()
        self.load_spending()
        return self.changed

    def load_spending(self):
        """content/spending.yaml, if present: approved disbursements with proofs and grants
        (core/demo_spending.py)."""
        path = self.root / "spending.yaml"
        if not path.exists():
            return
        from cms.core import demo_spending

        written = demo_spending.load(self._yaml(path) or {}, self.projects, self.images, self.load_document)
        if written:
            self.log(f"spending.yaml: {written} disbursement(s) and grant(s) recorded")
            self.changed += 1

    def load_gifts(self):
        """content/gifts.yaml, if present: the demo's gift history in the ledger (core/demo_gifts.py)."""
        path = self.root / "gifts.yaml"
        if not path.exists():
            return
        from cms.core import demo_gifts

        spec = self._yaml(path) or {}
        missing = sorted(set(spec.get("funded") or {}) - set(self.projects))
        if missing:
            raise ContentError(f"gifts.yaml: unknown project(s) {', '.join(missing)}")
        written = demo_gifts.load(spec, list(self.projects.values()))
        if written:
            self.log(f"gifts.yaml: {written} demo gift(s) recorded in the ledger (source \"demo\")")
            self.changed += 1
