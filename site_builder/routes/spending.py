"""Money spent, as the pages show it: the project's "Où va l'argent" section and the NGO-wide summary
(the project index and every page carrying the "Bilan des dépenses" block).

The figures come from the API's site-wide answers (`projectSpending`, `siteSpending`: cms/transparency),
not from the pages, so they are applied to the page dictionaries after normalisation (never inside the
cached value: a disbursement approved tomorrow must not wait for the page to be republished). Each route
that shows them carries their stamp in its `extra`, so a change of spending changes exactly those routes'
signatures; site_builder/changed_routes.py re-applies them with `apply` on an incremental build.

Raised is online gifts plus grants, said so on the page. There is no "raised per budget line": gifts are not
earmarked to lines, and the page says that instead of inventing a split.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from ..normalize import MediaMap

SPENDING_GLOBALS = ("projectSpending", "siteSpending")
KIND_LABELS = {"document": "document", "image": "photo"}
CURRENCY_NAMES = {"EUR": "euros", "USD": "dollars", "XOF": "francs CFA (UEMOA)", "XAF": "francs CFA (CEMAC)"}


def _date(value) -> str:
    """An ISO date as the API gives it, or "" (the theme's date filters would fail on anything else)."""
    try:
        return dt.date.fromisoformat(value[:10]).isoformat() if isinstance(value, str) else ""
    except ValueError:
        return ""


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def project_spending(row: dict | None, media: MediaMap) -> dict | None:
    """The section's data, or None when there is nothing spent to show (no empty section). Proof files go
    through `media` like every other asset: copied into the site, never linked on the CMS."""
    if not row:
        return None
    currency = row.get("currency") or "EUR"
    disbursements = []
    for d in row.get("disbursements") or []:
        if not d or d.get("id") is None:
            continue
        proofs = [{"title": p.get("title") or "Justificatif", "kind": KIND_LABELS.get(p.get("kind"), "document"),
                   "url": media(p.get("url"))} for p in d.get("proofs") or [] if p and p.get("url")]
        amount = _int(d.get("amount"))
        disbursements.append({"id": str(d["id"]), "anchor": f"depense-{d['id']}", "date": _date(d.get("date")),
                              "amount": amount, "currency": d.get("currency") or currency,
                              "reversal": amount < 0, "line": d.get("budgetLine") or "",
                              "description": d.get("description") or "", "proofs": proofs})
    lines = []
    for line in row.get("lines") or []:
        planned, spent = _int(line.get("planned")), _int(line.get("spent"))
        if not planned and not spent:
            continue  # "Autres dépenses" with nothing in it
        percent = round(100 * spent / planned) if planned else (100 if spent else 0)
        lines.append({"label": line.get("label") or "", "planned": planned, "spent": spent,
                      "percent": max(0, percent), "over": spent > planned, "excess": max(0, spent - planned)})
    spent, raised, grants = _int(row.get("spent")), _int(row.get("raised")), _int(row.get("grants"))
    if not disbursements and not spent:
        return None
    return {"currency": currency, "planned": _int(row.get("planned")), "raised": raised, "grants": grants,
            "online": max(0, raised - grants), "spent": spent, "lines": lines, "disbursements": disbursements,
            "overspent": bool(row.get("overspent")) or spent > raised,
            "over_lines": [line["label"] for line in lines if line["over"]]}


def with_funding(updates: list[dict], spending: dict | None) -> list[dict]:
    """Each update with `funded_by`: the disbursements it names (`disbursement_ids`) that the spending list
    shows (an anchor to link to). New dictionaries: the page's cached ones stay as normalised."""
    shown = {d["id"]: d for d in (spending or {}).get("disbursements", [])}
    return [dict(u, funded_by=[shown[i] for i in u.get("disbursement_ids", ()) if i in shown]) for u in updates]


def site_summary(globals_: dict, projects: list[dict]) -> dict | None:
    """NGO-wide figures per currency (`siteSpending`) and one row per project with spending, in the
    projects' order; None when the API has none (the block then shows nothing)."""
    totals = [{"title": f"Ensemble des projets en {CURRENCY_NAMES.get(t.get('currency'), t.get('currency'))}",
               "currency": t.get("currency") or "EUR", "planned": _int(t.get("planned")),
               "raised": _int(t.get("raised")), "grants": _int(t.get("grants")), "spent": _int(t.get("spent"))}
              for t in globals_.get("siteSpending") or [] if t]
    rows = {r.get("slug"): r for r in globals_.get("projectSpending") or [] if r}
    table = []
    for card in projects:
        row = rows.get(card["slug"])
        if row is None:
            continue
        table.append({"title": card["title"], "url": card["url"], "currency": row.get("currency") or card["currency"],
                      "planned": _int(row.get("planned")), "raised": _int(row.get("raised")),
                      "spent": _int(row.get("spent")),
                      "overspent": bool(row.get("overspent")) or _int(row.get("spent")) > _int(row.get("raised"))})
    if not totals and not table:
        return None
    return {"totals": totals, "projects": table}


def stamp(value) -> tuple:
    """What a route's `extra` carries for the spending it shows (its signature changes with it)."""
    return ("spending", hashlib.blake2b(repr(value).encode(), digest_size=12).hexdigest())


def has_summary_block(body: list[dict]) -> bool:
    return any(b.get("type") == "spending_summary" for b in body or [])


def body_with_summary(body: list[dict], summary: dict | None) -> list[dict]:
    return [dict(b, summary=summary) if b.get("type") == "spending_summary" else b for b in body]


def with_stamp(extra: tuple, value) -> tuple:
    return tuple(e for e in extra if not (isinstance(e, tuple) and e[:1] == ("spending",))) + (stamp(value),)


def changed(old_globals: dict, new_globals: dict) -> bool:
    return any(old_globals.get(k) != new_globals.get(k) for k in SPENDING_GLOBALS)


def apply(routes: list, new_globals: dict, media: MediaMap, project_cards: list[dict]) -> list[int]:
    """Incremental builds: the routes showing spending, given this build's figures. Returns the positions
    of the routes whose figures changed (the caller signs them again)."""
    summary = site_summary(new_globals, project_cards)
    rows = {r.get("slug"): r for r in new_globals.get("projectSpending") or [] if r}
    positions = []
    for position, route in enumerate(routes):
        context = route.context
        page = context.get("page") or {}
        if route.page_type == "project":
            spending = project_spending(rows.get(page.get("slug")), media)
            if spending == page.get("spending"):
                continue
            page = dict(page, spending=spending, updates=with_funding(page["updates"], spending))
            routes[position] = dataclasses.replace(route, context=dict(context, page=page),
                                                   extra=with_stamp(route.extra, spending))
        elif "ngo_spending" in context:
            if context["ngo_spending"] == summary:
                continue
            routes[position] = dataclasses.replace(route, context=dict(context, ngo_spending=summary),
                                                   extra=with_stamp(route.extra, summary))
        elif route.page_type == "standard" and has_summary_block(page.get("body")):
            if any(b.get("summary") == summary for b in page["body"] if b.get("type") == "spending_summary"):
                continue
            page = dict(page, body=body_with_summary(page["body"], summary))
            routes[position] = dataclasses.replace(route, context=dict(context, page=page),
                                                   extra=with_stamp(route.extra, summary))
        else:
            continue
        positions.append(position)
    return positions
