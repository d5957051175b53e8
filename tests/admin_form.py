"""What a browser posts when an editor presses "Publier" on a Wagtail edit page, without a browser.

The edit page's plain inputs (title, slug, inline panels' management forms, rich text fields' JSON…) are in
its HTML; a StreamField's inputs are written by the admin's JavaScript when the form is sent, so they are
rebuilt here from the page's current value, in the exact `prefix-count` / `prefix-N-type` / `-value` /
`-order` / `-deleted` / `-id` layout that JavaScript produces. Used by the tests of the publish request and
by bench/publish_latency.py (which clocks the admin's real HTTP request).
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from wagtail import blocks
from wagtail.fields import StreamField


def html_form_fields(html: str, form_id: str = "page-edit-form") -> dict[str, list[str]]:
    """Every named input, textarea and select of the form, as the browser would send them."""
    soup = BeautifulSoup(html, "html.parser")
    form = soup.find("form", id=form_id) or soup.find("form", attrs={"method": "post"})
    data: dict[str, list[str]] = {}
    for el in form.find_all(["input", "textarea", "select"]):
        name = el.get("name")
        kind = (el.get("type") or "").lower()
        if not name or kind in ("submit", "button", "file", "image", "reset"):
            continue
        if kind in ("checkbox", "radio") and not el.has_attr("checked"):
            continue
        if el.name == "textarea":
            values = [el.text]
        elif el.name == "select":
            chosen = el.find_all("option", selected=True) or ([] if el.has_attr("multiple") else el.find_all("option")[:1])
            values = [o.get("value", o.text) for o in chosen]
        else:
            values = [el.get("value", "on" if kind in ("checkbox", "radio") else "")]
        data.setdefault(name, []).extend(values)
    return data


def block_post_data(block, value, prefix: str, out: dict) -> None:
    """`value` of `block` as the admin's JavaScript posts it under `prefix`."""
    if isinstance(block, blocks.StreamBlock):
        out[f"{prefix}-count"] = [str(len(value))]
        for i, child in enumerate(value):
            p = f"{prefix}-{i}"
            out.update({f"{p}-type": [child.block_type], f"{p}-id": [child.id or ""], f"{p}-deleted": [""],
                        f"{p}-order": [str(i)]})
            block_post_data(child.block, child.value, f"{p}-value", out)
    elif isinstance(block, blocks.ListBlock):
        items = list(value.bound_blocks) if hasattr(value, "bound_blocks") else list(value or [])
        out[f"{prefix}-count"] = [str(len(items))]
        for i, item in enumerate(items):
            p = f"{prefix}-{i}"
            out.update({f"{p}-id": [getattr(item, "id", None) or ""], f"{p}-deleted": [""], f"{p}-order": [str(i)]})
            block_post_data(block.child_block, getattr(item, "value", item), f"{p}-value", out)
    elif isinstance(block, blocks.StructBlock):
        for name, child in block.child_blocks.items():
            block_post_data(child, value.get(name) if value is not None else None, f"{prefix}-{name}", out)
    elif isinstance(block, blocks.ChooserBlock):
        out[prefix] = [str(value.pk) if value is not None else ""]
    elif isinstance(block, blocks.BooleanBlock):
        if value:
            out[prefix] = ["on"]
    else:
        state = block.get_form_state(value)
        out[prefix] = ["" if state is None else str(state)]


def _stream_fields(obj, prefix: str, data: dict) -> None:
    for field in type(obj)._meta.get_fields():
        if isinstance(field, StreamField):
            name = prefix + field.name
            for key in [k for k in data if k == name or k.startswith(name + "-")]:
                del data[key]
            block_post_data(field.stream_block, getattr(obj, field.name), name, data)


def edit_form_data(html: str, page) -> dict[str, list[str]]:
    """The POST body of the edit form for `page` (specific instance, its latest draft), unchanged."""
    from modelcluster.models import get_all_child_relations

    data = html_form_fields(html)
    draft = page.get_latest_revision_as_object() if page.has_unpublished_changes else page
    _stream_fields(draft, "", data)
    # Inline panels (a project's updates) whose rows have StreamFields of their own: `updates-0-photos`.
    for relation in get_all_child_relations(type(page)):
        name = relation.get_accessor_name()
        if not any(isinstance(f, StreamField) for f in relation.related_model._meta.get_fields()):
            continue
        rows = {str(row.pk): row for row in getattr(draft, name).all()}
        for i in range(int((data.get(f"{name}-TOTAL_FORMS") or ["0"])[0])):
            row = rows.get((data.get(f"{name}-{i}-id") or [""])[0])
            if row is not None:
                _stream_fields(row, f"{name}-{i}-", data)
    return data
