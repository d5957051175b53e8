"""The full build's render on every core (issue 12 §4): forked workers, with the theme compiled once before
the fork, write exactly the files one process writes."""

from __future__ import annotations

import filecmp

import pytest

from site_builder import pelican_plugin
from site_builder.build import build
from tests import factories

# serialized_rollback: the flush between tests would drop the rows migrations create (root page, locale)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def same_tree(a, b) -> list[str]:
    """Paths that differ between two folders (missing on one side, or other bytes)."""
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    differ = sorted(str(p) for p in files_a ^ files_b)
    differ += [str(p) for p in sorted(files_a & files_b) if not filecmp.cmp(a / p, b / p, shallow=False)]
    return differ


def test_forked_workers_write_what_one_process_writes(live_server, tmp_path, monkeypatch):
    tree = factories.make_site()
    image = factories.make_image()
    project = factories.make_project(tree, title="Puits de Kaya", slug="puits", image=image)
    for i in range(14):
        factories.make_story(tree, title=f"Histoire {i}", slug=f"histoire-{i}", image=image, project=project)
    api = f"{live_server.url}/graphql/"
    one = build(api, tmp_path / "one", workers=1, cache_dir=tmp_path / "cache-one")
    monkeypatch.setattr(pelican_plugin, "PARALLEL_THRESHOLD", 1)  # fork even for a small site
    forked = build(api, tmp_path / "forked", workers=2, cache_dir=tmp_path / "cache-forked")
    assert one.errors == [] and forked.errors == []
    assert forked.pages == one.pages > 15
    assert same_tree(tmp_path / "one", tmp_path / "forked") == []
    assert pelican_plugin._forked_generator is None  # nothing of the build stays behind in the module
