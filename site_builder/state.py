"""What the last build knew, so the next one can do only what changed.

A build records every page as the API gave it (with a hash of its content), the version the CMS reports for
it, the normalised values (site.NormalizationCache) and the signature of every file it wrote. A
long-running worker keeps the state in memory between builds; it is also written to the build cache on disk
(a pickle, never deployed) so another process — the next worker, the CMS preview — can pick it up.

Writing that pickle takes about a second at 10,000 pages, so an incremental build hands it to a forked child
(`save(..., background=True)`): the fork is a copy-on-write snapshot, so the parent's next build goes on at
once from memory while the child writes. Until the child is done this process keeps the output's lock (no
other process can build from the older file meanwhile), and a reader in another process (the preview) that
finds a save pending waits for it, up to a few seconds, instead of reading the state before last.
The last build's routes (`site_data`, `route_index`) live in memory only: they make the next model step
proportional to the change (site_builder/changed_routes.py); a state read from disk lacks them, and its
first build rebuilds every route once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import pickle
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .site import NormalizationCache

log = logging.getLogger("site_builder")
_MEMORY: dict[str, "BuildState"] = {}  # state path -> the state this process wrote or read last
_PENDING: dict[str, str] = {}  # state path -> generation a child of this process is still writing
_REAPERS: dict[str, threading.Thread] = {}  # state path -> the thread waiting for that child
PENDING_WAIT_SECONDS = 30  # a reader waits this long at most for another process's pending save
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
    ledger: dict = field(default_factory=dict)  # the public ledger published (site_builder/ledger.py memo)
    generation: str = field(default_factory=lambda: uuid.uuid4().hex)
    format: int = FORMAT
    # In memory only (not pickled): last build's SiteData, its global stamp and changed_routes.index_routes
    # of it. None when unknown: the next model step then makes every route.
    site_data: object = None
    global_stamp: str | None = None
    route_index: dict | None = None

    TRANSIENT = ("site_data", "global_stamp", "route_index")

    def pages(self) -> list[dict]:
        return [self.raw[i] for i in self.order if i in self.raw]

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in self.TRANSIENT}

    def __setstate__(self, values):
        self.__dict__.update({k: None for k in self.TRANSIENT}, **values)


def state_path(out: Path, cache_dir: Path) -> Path:
    key = hashlib.blake2b(str(Path(out).resolve()).encode(), digest_size=8).hexdigest()
    return Path(cache_dir) / "state" / f"{key}.pickle"


def load(out: Path, cache_dir: Path) -> BuildState | None:
    """The last build's state: from memory when this process wrote it and nobody has built since."""
    path = state_path(out, cache_dir)
    remembered = _MEMORY.get(str(path))
    if remembered is not None and _PENDING.get(str(path)) == remembered.generation:
        return remembered  # our child is still writing it, and we hold the lock: nobody built since
    wait_for_pending_save(path)
    try:
        generation = path.with_suffix(".generation").read_text().strip()
    except FileNotFoundError:
        return None
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


def save(state: BuildState, out: Path, cache_dir: Path, *, background: bool = False) -> None:
    """Record the state for the next build. `background`: write the file from a forked child, so the caller
    (and its next build) does not wait for it; call it while holding `locked(out, cache_dir)`."""
    path = state_path(out, cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = _REAPERS.pop(str(path), None)
    if previous is not None:
        previous.join()  # one writer at a time, or an older state could land last
    state.generation = uuid.uuid4().hex
    _MEMORY[str(path)] = state
    if not background or not hasattr(os, "fork"):
        _write(state, path)
        return
    lock = _output_lock(path.with_suffix(".lock"))
    lock.hold()  # released by the reaper once the child has written the file
    pending = path.with_suffix(".pending")
    pending.write_text(f"{state.generation} {os.getpid()}")  # other processes' readers wait while it exists
    _PENDING[str(path)] = state.generation
    pid = os.fork()
    if pid == 0:  # the child: write, leave without running the parent's cleanup (atexit, sockets)
        code = 1
        try:
            _write(state, path)
            pending.unlink()
            code = 0
        finally:
            os._exit(code)
    reaper = threading.Thread(target=_reap, args=(pid, path, state.generation, lock), daemon=True,
                              name="state-save")
    _REAPERS[str(path)] = reaper
    reaper.start()


def _write(state: BuildState, path: Path) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    with tmp.open("wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    marker = path.with_suffix(".generation")
    marker_tmp = marker.with_name(f"{marker.name}.{os.getpid()}.part")
    marker_tmp.write_text(state.generation)
    os.replace(marker_tmp, marker)


def _reap(pid: int, path: Path, generation: str, lock: "_OutputLock") -> None:
    try:
        _pid, status = os.waitpid(pid, 0)
        if status != 0:
            with contextlib.suppress(OSError):
                path.with_suffix(".pending").unlink()
            log.warning("saving the build state failed (child exit status %s): the next process to build "
                        "makes a full build", status)
    finally:
        if _PENDING.get(str(path)) == generation:
            del _PENDING[str(path)]
        lock.release()


def wait_for_pending_save(path: Path) -> None:
    """Another process is writing the state (its pid is in the marker): wait rather than read the one before."""
    pending = path.with_suffix(".pending")
    deadline = time.monotonic() + PENDING_WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            pid = int(pending.read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return
        if pid == os.getpid() or not _alive(pid):
            return
        time.sleep(0.01)


def wait_for_saves() -> None:
    """Wait until every state this process is writing in the background is on disk (tests, shutdown)."""
    for reaper in list(_REAPERS.values()):
        reaper.join()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _OutputLock:
    """The cross-process lock of one output folder (flock), held while this process builds or a child of
    it writes the state; builds of one process also take `builds`, so they run one at a time."""

    def __init__(self, path: Path):
        self.path, self.builds, self._guard, self._holders, self._fh = path, threading.Lock(), threading.Lock(), 0, None

    def hold(self) -> None:
        with self._guard:
            if self._holders == 0:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fh = self.path.open("w")
                fcntl.flock(fh, fcntl.LOCK_EX)
                self._fh = fh
            self._holders += 1

    def release(self) -> None:
        with self._guard:
            self._holders -= 1
            if self._holders == 0:
                fcntl.flock(self._fh, fcntl.LOCK_UN)
                self._fh.close()
                self._fh = None


_LOCKS: dict[str, _OutputLock] = {}
_LOCKS_GUARD = threading.Lock()


def _output_lock(path: Path) -> _OutputLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(path), _OutputLock(path))


@contextlib.contextmanager
def locked(out: Path, cache_dir: Path):
    """One build at a time per output folder, whichever process runs it."""
    lock = _output_lock(state_path(out, cache_dir).with_suffix(".lock"))
    with lock.builds:
        lock.hold()
        try:
            yield
        finally:
            lock.release()
