"""StreamField blocks from the API -> the dictionaries the theme's `block` macro renders (CONTEXT.md, "block").

One function per block type, in one table keyed by the block's name in its stream (GraphQL `field`), which
is also the `type` the macro dispatches on. tests/test_blocks_single_source.py walks every block type the CMS
models can hold and fails when one has no entry here (or in the GraphQL fragment, or in the macro).
Each function takes the page's `Normalizer` (images, media, warnings naming the page) and the projects by id
(call-to-give blocks embed a project's card), and returns None to leave the block out.
"""

from __future__ import annotations

from collections.abc import Callable


def rich_text(n, b: dict, projects_by_id: dict) -> dict | None:
    return {"type": "rich_text", "html": b.get("value") or ""} if b.get("value") else None


def heading(n, b: dict, projects_by_id: dict) -> dict:
    return {"type": "heading", "text": b["text"], "level": int(b.get("level") or 2)}


def image(n, b: dict, projects_by_id: dict) -> dict | None:
    picture = n.image(b.get("image"))
    if picture is None:
        n.warn("an image block has no image; left out")
        return None
    return {"type": "image", "image": picture, "caption": b.get("caption") or "",
            "credit": b.get("credit") or picture["credit"]}


def gallery(n, b: dict, projects_by_id: dict) -> dict | None:
    images = [{"image": n.image(i.get("image")), "caption": i.get("caption") or ""} for i in b.get("items") or []]
    images = [i for i in images if i["image"]]
    return {"type": "gallery", "images": images} if images else None


def quote(n, b: dict, projects_by_id: dict) -> dict:
    return {"type": "quote", "text": b["text"], "attribution": b.get("attribution") or "", "role": b.get("role") or ""}


def video(n, b: dict, projects_by_id: dict) -> dict:
    return {"type": "video", "url": b["url"], "title": b["title"], "provider": b.get("provider") or "",
            "poster": n.image(b.get("poster"), "poster"), "transcript": b.get("transcript") or ""}


def key_figure(n, b: dict, projects_by_id: dict) -> dict:
    return {"type": "key_figure", "value": b["value"], "unit": b.get("unit") or "", "label": b.get("text") or ""}


def cta(n, b: dict, projects_by_id: dict) -> dict:
    project = (b.get("project") or {}).get("id")
    if project and n.refs is not None:
        n.refs.add(str(project))  # the page shows that project's card: it changes when the project does
    return {"type": "cta", "text": b["text"], "button_label": b.get("buttonLabel") or "Je donne",
            "project": projects_by_id.get(str(project)) if project else None}


def document(n, b: dict, projects_by_id: dict) -> dict | None:
    doc = b.get("document")
    if not doc:
        return None
    file_name = doc.get("file") or ""
    return {"type": "document", "title": b.get("documentTitle") or b.get("title") or doc.get("title") or "",
            "url": n.media(b.get("fileUrl")), "size_bytes": doc.get("fileSize"),
            "extension": file_name.rsplit(".", 1)[-1].upper() if "." in file_name else ""}


def spending_summary(n, b: dict, projects_by_id: dict) -> dict:
    """Its figures are the API's site-wide ones, added to the page by site_builder/routes/spending.py."""
    return {"type": "spending_summary", "heading": b.get("heading") or "Bilan des dépenses",
            "show_projects": b.get("showProjects") is not False, "summary": None}


BLOCK_NORMALIZERS: dict[str, Callable[..., dict | None]] = {
    "rich_text": rich_text,
    "heading": heading,
    "image": image,
    "gallery": gallery,
    "quote": quote,
    "video": video,
    "key_figure": key_figure,
    "cta": cta,
    "document": document,
    "spending_summary": spending_summary,
}
