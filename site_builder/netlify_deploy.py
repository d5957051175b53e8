"""Deploying the built site to Netlify through its API, uploading only the files Netlify does not have.

A build hook makes Netlify rebuild the whole site itself (minutes). This is the fast path: the publishing
worker builds incrementally on its own machine, then makes a Netlify deploy by file digests, the method
Netlify documents for its API:

1. `POST /api/v1/sites/{site_id}/deploys` with `{"files": {"/path": sha1, …}}` for every file of the
   output folder: Netlify answers the deploy's `id` and, in `required`, the SHA1 digests of the files it does
   not hold yet (from any earlier deploy of the site);
2. `PUT /api/v1/deploys/{deploy_id}/files/{path}` with each required file's bytes
   (`application/octet-stream`). Once the last one is in, Netlify publishes the deploy, atomically.

So a publish that changed three files uploads three files. Nothing is remembered between deploys but a
digest cache (size, mtime, inode -> SHA1) that spares reading unchanged files again: Netlify's answer is the
truth, so a failed deploy costs nothing more than retrying it, which the next build does by itself.

`_redirects` (site_builder/redirects.py) is one of the output's files, and `netlify.toml` (headers, the
`/donate/*` proxy) is sent beside them as `/netlify.toml`, as Netlify's own CLI does for its deploys.
Authentication: `Authorization: Bearer NETLIFY_AUTH_TOKEN`. `api_url` points the module at a local
stand-in in the tests (tests/netlify_standin.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests

NETLIFY_API = "https://api.netlify.com"
UPLOAD_WORKERS = 8
UPLOAD_ATTEMPTS = 3  # a 5xx or a dropped connection on one file is tried again, after 0.5 s then 1 s
REPO_DIR = Path(__file__).resolve().parent.parent


class DeployError(RuntimeError):
    """A deploy that did not complete; the message (French) is shown to editors on the build."""


@dataclass(frozen=True)
class NetlifyTarget:
    token: str
    site_id: str
    api_url: str = NETLIFY_API
    timeout: float = 30.0  # seconds per request (connect and each read)
    config_file: Path | None = REPO_DIR / "netlify.toml"


@dataclass
class DeployResult:
    deploy_id: str
    files: int  # files in the deploy
    uploaded: list[str] = field(default_factory=list)  # paths uploaded (the others Netlify had)
    seconds: float = 0.0


def _sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class DigestCache:
    """SHA1 of each file, kept while its size, modification time and inode stay the same: builds replace a
    changed file by a new one (a rename), so an untouched file keeps all three."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, list] = {}
        if path is not None:
            try:
                self.entries = json.loads(path.read_text())
            except (OSError, ValueError):
                self.entries = {}

    def digest(self, key: str, file: Path) -> str:
        stat = file.stat()
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        entry = self.entries.get(key)
        if entry and entry[:3] == stamp:
            return entry[3]
        sha = _sha1(file)
        self.entries[key] = stamp + [sha]
        return sha

    def save(self, keys) -> None:
        if self.path is None:
            return
        kept = {k: v for k, v in self.entries.items() if k in keys}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.part")
        tmp.write_text(json.dumps(kept))
        os.replace(tmp, self.path)


def deploy_files(folder: Path, config_file: Path | None = None) -> dict[str, Path]:
    """Deploy path -> file: every file of the output folder except hidden ones (staging leftovers, editors'
    tools), plus netlify.toml when given."""
    folder = Path(folder)
    files = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(root) / name
            files["/" + path.relative_to(folder).as_posix()] = path
    if config_file is not None and Path(config_file).is_file():
        files.setdefault("/netlify.toml", Path(config_file))
    return files


def file_digests(files: dict[str, Path], cache: DigestCache | None = None) -> dict[str, str]:
    cache = cache or DigestCache(None)
    return {key: cache.digest(key, path) for key, path in files.items()}


def _problem(response: requests.Response, what: str) -> DeployError:
    if response.status_code in (401, 403):
        return DeployError(f"Netlify a refusé le jeton ({what} : HTTP {response.status_code}) : "
                           "vérifiez NETLIFY_AUTH_TOKEN et ses droits sur le site NETLIFY_SITE_ID.")
    if response.status_code == 404:
        return DeployError(f"Netlify ne connaît pas ce site ({what} : HTTP 404) : vérifiez NETLIFY_SITE_ID.")
    return DeployError(f"Netlify a répondu HTTP {response.status_code} ({what}) : le site en ligne n'a pas "
                       "changé ; la prochaine construction réessaiera.")


def _request(session: requests.Session, method: str, url: str, target: NetlifyTarget, what: str, **kwargs):
    """One call, tried again on 5xx and dropped connections (never on 4xx: a refusal stays one)."""
    for attempt in range(UPLOAD_ATTEMPTS):
        try:
            response = session.request(method, url, timeout=target.timeout, **kwargs)
        except requests.RequestException as exc:
            if attempt + 1 == UPLOAD_ATTEMPTS:
                raise DeployError(f"Netlify injoignable ({what} : {type(exc).__name__}) : le site en ligne n'a "
                                  "pas changé ; la prochaine construction réessaiera.") from exc
        else:
            if response.status_code < 300:
                return response
            if response.status_code < 500 or attempt + 1 == UPLOAD_ATTEMPTS:
                raise _problem(response, what)
        time.sleep(0.5 * 2 ** attempt)
    raise AssertionError("unreachable")


def deploy(folder: Path, target: NetlifyTarget, *, title: str = "", digest_cache: Path | None = None,
           session: requests.Session | None = None) -> DeployResult:
    """Deploy `folder` to the site; raises DeployError (the live site then stays as it was)."""
    started = time.perf_counter()
    files = deploy_files(folder, target.config_file)
    cache = DigestCache(digest_cache)
    digests = file_digests(files, cache)
    cache.save(digests.keys())
    session = session or requests.Session()
    session.headers.update({"Authorization": f"Bearer {target.token}", "User-Agent": "vision-damour-site-builder"})
    api = target.api_url.rstrip("/")
    created = _request(session, "POST", f"{api}/api/v1/sites/{quote(target.site_id, safe='')}/deploys", target,
                       "création du déploiement", params={"title": title[:200]} if title else None,
                       json={"files": digests})
    try:
        answer = created.json()
        deploy_id, required = str(answer["id"]), set(answer.get("required") or [])
    except (ValueError, KeyError, TypeError) as exc:
        raise DeployError("Netlify a répondu sans identifiant de déploiement : le site en ligne n'a pas changé.") from exc
    # Netlify names contents, not paths: every file with a required digest is sent (several paths may share one).
    to_upload = sorted(key for key, sha in digests.items() if sha in required)

    def upload(key: str) -> str:
        body = files[key].read_bytes()
        if hashlib.sha1(body).hexdigest() != digests[key]:
            raise DeployError(f"{key} a changé pendant le déploiement : la prochaine construction réessaiera.")
        _request(session, "PUT", f"{api}/api/v1/deploys/{quote(deploy_id, safe='')}/files/{quote(key.lstrip('/'))}",
                 target, f"envoi de {key[:200]}", data=body, headers={"Content-Type": "application/octet-stream"})
        return key

    with ThreadPoolExecutor(max_workers=UPLOAD_WORKERS) as pool:
        uploaded = list(pool.map(upload, to_upload))
    return DeployResult(deploy_id=deploy_id, files=len(digests), uploaded=uploaded,
                        seconds=round(time.perf_counter() - started, 3))
