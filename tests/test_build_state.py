"""The build state written after the files are live (site_builder/state.py): a forked child writes it, the
building process goes on from memory, other processes read the new state, never the one before."""

from __future__ import annotations

import subprocess
import sys
import time

from site_builder import state as build_state
from site_builder.state import BuildState
from tests.conftest import REPO

READ = """
import sys
sys.path.insert(0, {repo!r})
from site_builder import state
loaded = state.load({out!r}, {cache!r})
print(loaded.generation if loaded else "none")
"""


class SlowToPickle:
    """Takes a second to pickle: the child is still writing when the test looks (the state of a large site
    takes about as long)."""

    def __reduce__(self):
        time.sleep(1.0)
        return (SlowToPickle, ())


def big_state() -> BuildState:
    state = BuildState(params={"base_url": "https://www.example.org"})
    state.raw = {str(i): {"id": str(i), "title": f"Histoire {i}", "body": "texte " * 25} for i in range(2000)}
    state.raw["slow"] = {"id": "slow", "value": SlowToPickle()}
    state.order = list(state.raw)
    return state


def read_in_another_process(out, cache) -> str:
    code = READ.format(repo=str(REPO), out=str(out), cache=str(cache))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_a_background_save_is_read_by_this_process_at_once_and_by_others_once_written(tmp_path):
    out, cache = tmp_path / "public", tmp_path / "cache"
    state = big_state()
    with build_state.locked(out, cache):
        build_state.save(state, out, cache, background=True)
    # this process goes on from memory (its next build does not wait for the file)
    with build_state.locked(out, cache):
        assert build_state.load(out, cache) is state
    # another process waits for the pending write instead of finding nothing (or the state before)
    assert read_in_another_process(out, cache) == state.generation
    build_state.wait_for_saves()
    assert build_state.state_path(out, cache).with_suffix(".generation").read_text() == state.generation
    assert not build_state.state_path(out, cache).with_suffix(".pending").exists()


def test_saves_in_a_row_leave_the_newest_on_disk(tmp_path):
    out, cache = tmp_path / "public", tmp_path / "cache"
    states = [big_state() for _ in range(3)]
    for state in states:
        with build_state.locked(out, cache):
            build_state.save(state, out, cache, background=True)
    build_state.save(BuildState(params={}), out, cache)  # a full build's save waits for the child before it
    last = build_state.load(out, cache)
    build_state.wait_for_saves()
    assert read_in_another_process(out, cache) == last.generation


def test_another_process_cannot_build_until_the_state_is_written(tmp_path):
    """The lock of the output folder is held until the child has written the state: a build elsewhere would
    otherwise start from the state before."""
    out, cache = tmp_path / "public", tmp_path / "cache"
    state = big_state()
    with build_state.locked(out, cache):
        build_state.save(state, out, cache, background=True)
    code = READ.format(repo=str(REPO), out=str(out), cache=str(cache)).replace(
        "loaded = state.load", "with state.locked({out!r}, {cache!r}):\n    loaded = state.load".format(
            out=str(out), cache=str(cache)))
    started = time.monotonic()
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == state.generation, time.monotonic() - started
    build_state.wait_for_saves()
