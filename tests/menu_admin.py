"""What an editor's browser posts from Paramètres > Réglages du site when they change a menu, without a
browser: the edit form's own inputs (tests/admin_form.py), then one inline row added or marked deleted, in
the layout of Wagtail's InlinePanel (`<relation>-N-<field>`, `-ORDER`, `-DELETE`, `-TOTAL_FORMS`)."""

from __future__ import annotations

from tests.admin_form import html_form_fields

SETTINGS_URL = "/admin/settings/core/sitesettings/"
FORM_ID = "w-editor-form"
MAIN, FOOTER = "main_menu_items", "footer_menu_items"


def settings_form(html: str) -> dict[str, list[str]]:
    data = html_form_fields(html, FORM_ID)
    return {k: v for k, v in data.items() if "__prefix__" not in k}  # the InlinePanel's row template


def rows(data: dict, relation: str) -> int:
    return int(data[f"{relation}-TOTAL_FORMS"][0])


def add_link(data: dict, relation: str, *, url: str = "", label: str = "", page_id: int | None = None) -> None:
    n = rows(data, relation)
    data.update({f"{relation}-{n}-id": [""], f"{relation}-{n}-page": [str(page_id) if page_id else ""],
                 f"{relation}-{n}-link_url": [url], f"{relation}-{n}-label": [label],
                 f"{relation}-{n}-ORDER": [str(n + 1)], f"{relation}-{n}-DELETE": [""],
                 f"{relation}-TOTAL_FORMS": [str(n + 1)]})


def remove_page(data: dict, relation: str, page_id: int) -> None:
    for i in range(rows(data, relation)):
        if data.get(f"{relation}-{i}-page") == [str(page_id)]:
            data[f"{relation}-{i}-DELETE"] = ["1"]
            return
    raise AssertionError(f"page {page_id} is not in {relation}: {data}")


def form_errors(html: str) -> list[str]:
    """The messages the admin shows next to fields and above the form (to read when a save is refused)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    return [" ".join(el.get_text(" ").split()) for el in soup.select(".error-message, .w-field__errors, .messages li")]
