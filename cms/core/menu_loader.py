"""`load_content` fills the site's menus from content/menus.yaml (the demo's header and footer links).

Like every item of the loader, the menus are keyed by the file's digest (`ContentFingerprint`): an unchanged
file leaves the menus as editors made them; a changed one replaces both lists. A link names its page by
the path below the home page, so the file reads like the site's addresses.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from wagtail.models import Page

from cms.core.models import ContentFingerprint, FooterMenuItem, MainMenuItem, SiteSettings

FINGERPRINT_KEY = "menus"
LISTS = {"main": ("main_menu_items", MainMenuItem), "footer": ("footer_menu_items", FooterMenuItem)}


def _error(message: str) -> Exception:
    from cms.core.content_loader import ContentError  # imported here: content_loader calls this module

    return ContentError(message)


def _item(model, data, home: Page, where: str, position: int):
    if not isinstance(data, dict):
        raise _error(f"{where}: a link is {{page: …}} or {{url: …, label: …}}, not {data!r}")
    page = None
    if data.get("page"):
        path = home.url_path + str(data["page"]).strip("/") + "/"
        page = Page.objects.filter(url_path=path).first()
        if page is None:
            raise _error(f"{where}: no page at {data['page']!r} (a path below the home page, e.g. projets)")
    item = model(page=page, link_url=data.get("url") or "", label=data.get("label") or "", sort_order=position)
    try:
        item.full_clean(exclude=["site_settings"])
    except ValidationError as exc:
        raise _error(f"{where}: {'; '.join(m for ms in exc.message_dict.values() for m in ms)}") from exc
    return item


def load_menus(root: Path, home: Page) -> int:
    """Both menus from `root`/menus.yaml; returns how many items changed (0 or 1, the loader's count)."""
    path = Path(root) / "menus.yaml"
    if not path.exists():
        return 0
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise _error(f"{path}: {exc}") from exc
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    if ContentFingerprint.objects.filter(key=FINGERPRINT_KEY, digest=digest).exists():
        return 0
    settings = SiteSettings.load()
    for name, (relation, model) in LISTS.items():
        items = [_item(model, entry, home, f"menus.yaml {name}[{i}]", i) for i, entry in enumerate(data.get(name) or [])]
        setattr(settings, relation, items)
    settings.save()
    ContentFingerprint.objects.update_or_create(key=FINGERPRINT_KEY, defaults={"digest": digest})
    return 1
