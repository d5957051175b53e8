"""Publishing the public ledger in the site, under /transparence/registre/ (issue 14 §3).

Files: `entries.jsonl` (every line, in order), `checkpoint` (the latest signed note), `checkpoints/<size>`
(every checkpoint ever published) and `checkpoints/index.txt` (their sizes), `cle.txt` (the verifier key),
`totals.json` ({currency: {project slug: money raised}}), a French page `index.html` and one page per project
(`<slug>/`, the general fund under `fonds-general/`) with its entries in a table.

Incremental: the build state keeps the size already published (BuildState.ledger), the builder pulls only
the entries after it, appends them to `entries.jsonl` in place, adds the new checkpoint files and rewrites
only the index, `checkpoint`, `checkpoints/index.txt`, `totals.json` and the pages of projects that got
entries. Anything the state cannot vouch for (no state, another origin or key, a log that shrank) publishes
the whole ledger again.

One pull, one set of figures: the money raised that a project page shows in its donation box (with the
marker `data-ledger-raised`, read by the verifier) and `totals.json` are both computed here from the same
pulled entries (`apply_to_routes`), never from the live totals, so a gift recorded between the ledger's
sync and the build cannot make them differ. With an empty ledger (never synced) the pages keep the live
figure and carry no marker.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path

from vda_base.money import money

from . import client
from .verify_ledger import LEDGER_PATH, raised_totals

QUERY = """
query PublicLedger($after: Int!, $first: Int, $checkpointsAfter: Int!) {
  publicLedger(after: $after, first: $first, checkpointsAfter: $checkpointsAfter) {
    size origin verifierKey entries checkpoints checkpointSizes
  }
}
"""
GENERAL_FUND = "fonds-general"
KIND_FR = {"payment": "don", "refund": "remboursement", "disbursement": "dépense", "reversal": "annulation",
           "grant": "subvention"}


@dataclass
class LedgerPull:
    size: int
    origin: str
    key: str
    lines: list[str]  # the new lines (all of them when `full`)
    checkpoints: list[tuple[int, str]]  # the new checkpoints (all of them when `full`)
    full: bool
    totals: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)  # project slug -> entries
    changed_projects: set = field(default_factory=set)
    previous_totals: dict = field(default_factory=dict)

    def memo(self, sizes: list[int]) -> dict:
        return {"size": self.size, "origin": self.origin, "key": self.key, "checkpoint_sizes": sizes,
                "totals": self.totals, "counts": self.counts}


def pull(api_url: str, token: str | None, previous: dict | None) -> LedgerPull | None:
    """The entries and checkpoints after what `previous` (the build state's memo) published; None when the
    CMS has no ledger (an older API)."""
    import json

    previous = previous or {}
    after, checkpoints_after = previous.get("size", 0), (previous.get("checkpoint_sizes") or [-1])[-1]
    try:
        data = client.fetch(api_url, QUERY, {"after": after, "checkpointsAfter": checkpoints_after}, token=token)
    except client.ApiError:
        return None
    head = data.get("publicLedger")
    if not head:
        return None
    full = (not previous.get("size") or head["origin"] != previous.get("origin")
            or head["verifierKey"] != previous.get("key") or head["size"] < after)
    if full and after:
        return pull(api_url, token, None)
    lines = list(head["entries"])
    while after + len(lines) < head["size"]:
        more = client.fetch(api_url, QUERY, {"after": after + len(lines), "checkpointsAfter": head["size"]},
                            token=token)["publicLedger"]["entries"]
        if not more:
            raise client.ApiError("the ledger's entries stopped before its checkpoint's size")
        lines += more
    lines = lines[:head["size"] - after]
    result = LedgerPull(size=head["size"], origin=head["origin"], key=head["verifierKey"], lines=lines,
                        checkpoints=list(zip(head["checkpointSizes"], head["checkpoints"])), full=full)
    new = [json.loads(line) for line in lines]
    result.previous_totals = {} if full else previous.get("totals") or {}
    result.totals = {c: dict(p) for c, p in result.previous_totals.items()}
    for currency, per in raised_totals(new).items():
        mine = result.totals.setdefault(currency, {})
        for slug, amount in per.items():
            mine[slug] = mine.get(slug, 0) + amount
    result.counts = {} if full else dict(previous.get("counts") or {})
    for entry in new:
        result.counts[entry["project"]] = result.counts.get(entry["project"], 0) + 1
        result.changed_projects.add(entry["project"])
    return result


def project_routes(site_data) -> list:
    return [r for r in site_data.routes if r.page_type == "project" and isinstance(r.context.get("page"), dict)]


def apply_to_routes(site_data, ledger: LedgerPull | None) -> set[str]:
    """Give each project page the money raised the ledger shows (`ledger_raised`, what its donation box
    prints and marks); returns the URLs whose figure changed since the last build."""
    if ledger is None or not ledger.size:
        return set()
    changed = set()
    for route in project_routes(site_data):
        page = route.context["page"]
        value = ledger.totals.get(page.get("currency"), {}).get(page.get("slug"), 0)
        before = ledger.previous_totals.get(page.get("currency"), {}).get(page.get("slug"), 0)
        route.context["ledger_raised"] = value
        if ledger.full or value != before:
            changed.add(route.url)
    return changed


# --- the files -----------------------------------------------------------------------------------------

_STYLESHEETS: dict[str, str] = {}


def stylesheet(theme: Path | None) -> str:
    """The site's own stylesheet (its fingerprinted name, as the theme's pages link it), or ""."""
    if theme is None:
        return ""
    key = str(theme)
    if key not in _STYLESHEETS:
        from .assets import build_assets

        static = Path(theme) / "static"
        hashed = build_assets(static).get("css/site.css") if static.is_dir() else None
        _STYLESHEETS[key] = f"/theme/{hashed[0]}" if hashed else ""
    return _STYLESHEETS[key]


def _page(title: str, body: str, css: str = "") -> str:
    link = f'<link rel="stylesheet" href="{html.escape(css)}">' if css else ""
    return ("<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)} · Vision d'Amour</title>{link}</head>\n"
            f"<body data-page-type=\"ledger\"><main class=\"container\">\n<p><a href=\"/\">Accueil</a> › "
            f"<a href=\"/{LEDGER_PATH}\">Registre public</a></p>\n{body}\n</main></body></html>\n")


def _projects(site_data) -> dict[str, dict]:
    return {r.context["page"]["slug"]: {"url": r.url, "title": r.context["page"].get("title", ""),
                                        "currency": r.context["page"].get("currency") or "EUR"}
            for r in project_routes(site_data)}


def index_html(ledger: LedgerPull, site_data, base_url: str, css: str = "") -> str:
    projects = _projects(site_data)
    rows = []
    for slug in sorted(set(ledger.counts) | set(projects)):
        info = projects.get(slug, {})
        folder = slug or GENERAL_FUND
        title = info.get("title") or ("Fonds général" if not slug else slug)
        link = (f' · <a data-ledger-project="{html.escape(slug)}" data-ledger-currency="{info["currency"]}" '
                f'href="{html.escape(info["url"])}">page du projet</a>') if info else ""
        rows.append(f"<li><a href=\"{html.escape(folder)}/\">{html.escape(title)}</a> : "
                    f"{ledger.counts.get(slug, 0)} écriture(s){link}</li>")
    site = base_url.rstrip("/") + "/"
    return _page("Registre public", f"""<h1>Registre public des dons et des dépenses</h1>
<p>Chaque don, remboursement, dépense approuvée et subvention est une écriture de ce registre, ajoutée à la
suite des précédentes et jamais modifiée. Aucune écriture ne contient de nom, d'adresse ou de courriel ; un
pseudonyme n'apparaît que si le donateur l'a choisi pour le mur des donateurs.</p>
<p>Le registre est un arbre de Merkle (RFC 6962), signé par notre clé Ed25519 à chaque mise à jour
(format C2SP « checkpoint »). Toutes les versions signées restent publiées : chacun peut vérifier qu'aucune
écriture n'a été retirée ni changée.</p>
<h2>Vérifier en une commande</h2>
<p>Téléchargez <a href="verify_ledger.py" download>verify_ledger.py</a> (un seul fichier : Python 3 et la
bibliothèque <code>cryptography</code> suffisent), puis :</p>
<div class="table-wrap"><pre>python verify_ledger.py {html.escape(site)}</pre></div>
<p>Pour retrouver votre don, ajoutez sa référence (imprimée sur votre courriel de remerciement et sur votre
reçu fiscal) :</p>
<div class="table-wrap"><pre>python verify_ledger.py {html.escape(site)} --reference R-…</pre></div>
<p>Depuis le code de la plateforme, la même vérification : <code>python -m site_builder verify-ledger</code>.</p>
<h2>État du registre</h2>
<p>Écritures : <strong data-ledger-size="{ledger.size}">{ledger.size}</strong>.
Fichiers : <a href="entries.jsonl">entries.jsonl</a>, <a href="checkpoint">checkpoint</a>,
<a href="checkpoints/index.txt">tous les points de contrôle</a>, <a href="totals.json">totals.json</a>.</p>
<p>Clé publique (<a href="cle.txt">cle.txt</a>) : <code>{html.escape(ledger.key)}</code></p>
<h2>Par projet</h2>
<ul>
{chr(10).join(rows)}
</ul>""", css)


def project_html(slug: str, entries: list[dict], info: dict, css: str = "") -> str:
    title = info.get("title") or ("Fonds général" if not slug else slug)
    rows = "\n".join(
        f"<tr><td>{e['seq']}</td><td>{html.escape(e.get('day', ''))}</td><td>{KIND_FR.get(e['kind'], e['kind'])}</td>"
        f"<td>{html.escape(money(e['amount'], e['currency']))}</td><td>{html.escape(e.get('reference', ''))}</td>"
        f"<td>{html.escape(e.get('pseudonym', ''))}</td></tr>" for e in entries)
    back = f'<p><a href="{html.escape(info["url"])}">Page du projet</a></p>' if info.get("url") else ""
    return _page(f"Registre : {title}", f"""<h1>Registre public : {html.escape(title)}</h1>
<p><a href="../">Tout le registre</a></p>{back}
<div class="table-wrap"><table>
<thead><tr><th>N°</th><th>Jour</th><th>Nature</th><th>Montant</th><th>Référence</th><th>Donateur</th></tr></thead>
<tbody>
{rows}
</tbody>
</table></div>""", css)


def _write(folder: Path, relative: str, text: str) -> str:
    target = folder / LEDGER_PATH / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return LEDGER_PATH + relative


def stage(ledger: LedgerPull, staging: Path, out: Path | None, site_data, base_url: str,
          previous_sizes: list[int], theme: Path | None = None) -> tuple[list[str], list[int]]:
    """Write the ledger's changed files into `staging` (all of them when `ledger.full`), except the new
    lines of an incremental build, which `append` adds to the live entries.jsonl. Returns (paths, sizes)."""
    import json

    sizes = ([] if ledger.full else list(previous_sizes)) + [s for s, _note in ledger.checkpoints]
    sizes = sorted(set(sizes))
    written = []
    if ledger.full:
        written.append(_write(staging, "entries.jsonl", "".join(line + "\n" for line in ledger.lines)))
        written.append(_write(staging, "cle.txt", ledger.key + "\n"))
        # The verifier itself, so a reader needs nothing from us but this site (standard library + cryptography)
        written.append(_write(staging, "verify_ledger.py", Path(__file__).with_name("verify_ledger.py")
                              .read_text(encoding="utf-8")))
    elif not ledger.lines and not ledger.checkpoints:
        return [], sizes
    for size, note in ledger.checkpoints:
        written.append(_write(staging, f"checkpoints/{size}", note))
    if ledger.checkpoints:
        written.append(_write(staging, "checkpoint", ledger.checkpoints[-1][1]))
    elif ledger.full:
        written.append(_write(staging, "checkpoint", ""))
    written.append(_write(staging, "checkpoints/index.txt", "".join(f"{s}\n" for s in sizes)))
    written.append(_write(staging, "totals.json", json.dumps(ledger.totals, sort_keys=True, ensure_ascii=False)))
    css = stylesheet(theme)
    written.append(_write(staging, "index.html", index_html(ledger, site_data, base_url, css)))
    projects = _projects(site_data)
    wanted = set(ledger.counts) | set(projects) if ledger.full else ledger.changed_projects
    if wanted:
        by_project: dict[str, list[dict]] = {slug: [] for slug in wanted}
        old = (out / LEDGER_PATH / "entries.jsonl") if out is not None and not ledger.full else None
        sources = []
        if old is not None and old.exists():
            sources.append(old.open(encoding="utf-8"))
        for handle in sources + [iter(ledger.lines)]:
            for line in handle:
                entry = json.loads(line)
                if entry["project"] in by_project:
                    by_project[entry["project"]].append(entry)
        for handle in sources:
            handle.close()
        for slug, rows in by_project.items():
            written.append(_write(staging, f"{slug or GENERAL_FUND}/index.html",
                                  project_html(slug, rows, projects.get(slug, {}), css)))
    return written, sizes


def append(ledger: LedgerPull, out: Path) -> list[str]:
    """Add the new lines at the end of the live entries.jsonl (one write, the old bytes untouched)."""
    if ledger.full or not ledger.lines:
        return []
    target = out / LEDGER_PATH / "entries.jsonl"
    data = "".join(line + "\n" for line in ledger.lines).encode("utf-8")
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    return [LEDGER_PATH + "entries.jsonl"]
