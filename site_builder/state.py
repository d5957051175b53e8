"""What the last build knew, so the next one can do only what changed.

A build records every page as the API gave it (with a hash of its content), the version the CMS reports for
it, the normalised values (site.NormalizationCache) and the signature of every file it wrote. A
long-running worker keeps the state in memory between builds; it is also written to the build cache on disk
(a pickle, never deployed) so another process — the next worker, the CMS preview — can pick it up.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .site import NormalizationCache

_MEMORY: dict[str, "BuildState"] = {}  # state path -> the state this process wrote or read last
FORMAT = 2  # bump when BuildState changes shape: older files are ignored (next build is full)


def content_stamp(raw: dict) -> str:
    return hashlib.blake2b(json.dumps(raw, sort_keys=True, default=str).encode(), digest_size=16).hexdigest()


def theme_stamp(theme: Path) -> str:
    """Templates, CSS and scripts: a change in the theme means every page may change."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in Path(theme).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(theme)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class BuildState:
    params: dict  # build parameters (base URL, media URL, theme…): if they change, the next build is full
    order: list[str] = field(default_factory=list)  # page ids in tree order
    raw: dict[str, dict] = field(default_factory=dict)  # page id -> the API's page
    versions: dict[str, str] = field(default_factory=dict)  # page id -> sitePageIndex version
    stamps: dict[str, str] = field(default_factory=dict)  # page id -> content hash
    globals: dict = field(default_factory=dict)  # donation rules, totals, settings: what every page shows
    signatures: dict[str, str | None] = field(default_factory=dict)  # output file -> signature
    cache: NormalizationCache = field(default_factory=NormalizationCache)
    generation: str = field(default_factory=lambda: uuid.uuid4().hex)
    format: int = FORMAT

    def pages(self) -> list[dict]:
        return [self.raw[i] for i in self.order if i in self.raw]


def state_path(out: Path, cache_dir: Path) -> Path:
    key = hashlib.blake2b(str(Path(out).resolve()).encode(), digest_size=8).hexdigest()
    return Path(cache_dir) / "state" / f"{key}.pickle"


def load(out: Path, cache_dir: Path) -> BuildState | None:
    """The last build's state: from memory when this process wrote it and nobody has built since."""
    path = state_path(out, cache_dir)
    try:
        generation = path.with_suffix(".generation").read_text().strip()
    except FileNotFoundError:
        return None
    remembered = _MEMORY.get(str(path))
    if remembered is not None and remembered.generation == generation:
        return remembered
    try:
        with path.open("rb") as fh:
            state = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if getattr(state, "format", None) != FORMAT:
        return None
    _MEMORY[str(path)] = state
    return state


def save(state: BuildState, out: Path, cache_dir: Path) -> None:
    path = state_path(out, cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    state.generation = uuid.uuid4().hex
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    with tmp.open("wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    marker = path.with_suffix(".generation")
    marker_tmp = marker.with_name(f"{marker.name}.{os.getpid()}.part")
    marker_tmp.write_text(state.generation)
    os.replace(marker_tmp, marker)
    _MEMORY[str(path)] = state


@contextlib.contextmanager
def locked(out: Path, cache_dir: Path):
    """One build at a time per output folder, whichever process runs it."""
    path = state_path(out, cache_dir).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
