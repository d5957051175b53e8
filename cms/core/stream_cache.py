"""Bulk reads of StreamFields without N+1 queries: a content concern (the blocks and the image model read
this cache), so it lives beside the blocks; the API opens one per request (api/prefetch.py).

A StreamField resolves its choosers (images, pages, documents) one stream at a time: reading 10,000 story
bodies costs 10,000 queries. Before a bulk read, `collect_references` walks the raw JSON of every stream once,
`load_references` loads each referenced model in one query, and `activate` parks the objects in a
context-local cache that `PrefetchingChooserMixin.bulk_to_python` reads first, until the enclosing
`scope` ends. Outside such a read nothing changes.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict

from wagtail import blocks

_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar("stream_prefetch", default=None)


def memoized(key, compute):
    """compute() once per key within a bulk read; outside one, every call computes."""
    cache = _cache.get()
    if cache is None:
        return compute()
    memo = cache.setdefault("_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def cache_inactive() -> bool:
    return _cache.get() is None


class PrefetchingChooserMixin:
    """For ChooserBlocks: serve objects from the bulk-read cache when it holds them all."""

    def bulk_to_python(self, values):
        cache = _cache.get()
        if cache is not None:
            objects = cache.get(self.model_class)
            if objects is not None and all(v is None or v in objects for v in values):
                return [objects.get(v) for v in values]
        return super().bulk_to_python(values)


def _collect(block, value, refs):
    """Record (model, pk) of every chooser inside one raw block value."""
    if value is None:
        return
    if isinstance(block, blocks.ChooserBlock):
        if isinstance(value, int):
            refs[block.model_class].add(value)
    elif isinstance(block, blocks.StructBlock):
        if isinstance(value, dict):
            for name, child in block.child_blocks.items():
                _collect(child, value.get(name), refs)
    elif isinstance(block, blocks.ListBlock):
        for item in value or []:
            # ListBlock raw items are {"type": "item", "value": …, "id": …} since Wagtail 2.16
            _collect(block.child_block, item.get("value") if isinstance(item, dict) and "value" in item
                     else item, refs)
    elif isinstance(block, blocks.StreamBlock):
        for item in value or []:
            child = block.child_blocks.get(item.get("type")) if isinstance(item, dict) else None
            if child is not None:
                _collect(child, item.get("value"), refs)


def collect_references(stream_values) -> dict:
    refs: dict = defaultdict(set)
    for stream_value in stream_values:
        if stream_value is None:
            continue
        _collect(stream_value.stream_block, list(stream_value.raw_data), refs)
    return refs


def load_references(refs: dict) -> dict:
    """One query per referenced model; images come with their renditions, pages as their specific class."""
    from wagtail.images import get_image_model
    from wagtail.models import Page

    loaded = {}
    for model, pks in refs.items():
        qs = model._default_manager.filter(pk__in=pks)
        if model is get_image_model():
            qs = qs.prefetch_related("renditions")
        if issubclass(model, Page):
            qs = qs.live().public().specific()
        # Unpublished or private pages resolve to None: a chooser never leaks them.
        loaded[model] = {pk: None for pk in pks}
        loaded[model].update((obj.pk, obj) for obj in qs)
    return loaded


@contextlib.contextmanager
def scope():
    """A fresh, empty bulk-read cache for the duration of the block (one API request)."""
    token = _cache.set(None)
    try:
        yield
    finally:
        _cache.reset(token)


def activate(loaded: dict) -> None:
    """Make `loaded` the bulk-read cache until the enclosing `scope` ends."""
    _cache.set(loaded)
