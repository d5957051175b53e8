"""YAML blocks -> StreamField values, read through the blocks' own definitions (content/README.md, "block").

A block's YAML mirrors the block: a stream is a list of `{type, value}`, a struct a mapping of its children's
names, a list a list. So this module knows block kinds (stream, list, struct, chooser, field), never a block
type: a block added to core/blocks.py loads from YAML without a line here. What is the loader's own:
- a chooser's YAML value is a name (an image's or a document's file name, a project's slug); the `resolve`
  function the loader gives turns it into the object;
- YAML reads `value: 1200` and `level: 2` as numbers and an optional field left out as nothing: a field block
  gets what the admin's form would have stored (`"1200"`, `"2"`, `""`), through the block's own form field;
- a struct block may accept other YAML names for its children (`Meta.yaml_aliases`, e.g. a key figure's
  `label` for its `text`), so the documented YAML stays as content authors know it.
The raw data so built becomes native values through the StreamBlock's own `bulk_to_python` (choosers fetched
in bulk), and the StreamField stores them with the blocks' own `get_prep_value`, as it does for the admin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from wagtail import blocks

Resolve = Callable[[blocks.ChooserBlock, object, Mapping, str], object]
"""resolve(chooser block, YAML reference, the struct's other YAML fields, where) -> a model instance."""


class ContentError(Exception):
    """Raised with the file and the item at fault, so a content author can fix it."""


def stream_value(stream_block: blocks.StreamBlock, items, where: str, resolve: Resolve) -> blocks.StreamValue:
    """The YAML list `items` as the value of a StreamField whose block is `stream_block`."""
    raw = _stream(stream_block, items, where, resolve)
    return stream_block.bulk_to_python([raw])[0]


def _raw(block: blocks.Block, value, where: str, resolve: Resolve):
    """One YAML value -> the block's raw (JSON) form, which its `to_python` accepts."""
    if isinstance(block, blocks.StreamBlock):
        return _stream(block, value, where, resolve)
    if isinstance(block, blocks.ListBlock):
        if not isinstance(value, list):
            raise ContentError(f"{where}: expected a list, got {value!r}")
        return [_raw(block.child_block, item, f"{where}, item {i + 1}", resolve) for i, item in enumerate(value)]
    if isinstance(block, blocks.StructBlock):
        return _struct(block, value, where, resolve)
    if isinstance(block, blocks.ChooserBlock):
        return None if value in (None, "") else resolve(block, value, {}, where).pk
    return _field(block, value)


def _stream(block: blocks.StreamBlock, items, where: str, resolve: Resolve) -> list[dict]:
    if items in (None, ""):
        return []
    if not isinstance(items, list):
        raise ContentError(f"{where}: expected a list of blocks, got {items!r}")
    raw = []
    for i, item in enumerate(items):
        kind = item.get("type") if isinstance(item, Mapping) else None
        at = f"{where}, block {i + 1} ({kind})"
        if kind not in block.child_blocks:
            raise ContentError(f"{at}: unknown block type {kind!r} (known: {', '.join(block.child_blocks)})")
        raw.append({"type": kind, "value": _raw(block.child_blocks[kind], item.get("value"), at, resolve)})
    return raw


def _struct(block: blocks.StructBlock, value, where: str, resolve: Resolve) -> dict:
    if not isinstance(value, Mapping):
        raise ContentError(f"{where}: expected the fields {', '.join(block.child_blocks)}, got {value!r}")
    aliases = getattr(block.meta, "yaml_aliases", {})
    fields = {}
    for key, item in value.items():
        name = aliases.get(key, key)
        if name not in block.child_blocks:
            raise ContentError(f"{where}: unknown field {key!r} (fields: {', '.join(block.child_blocks)})")
        if name in fields:
            raise ContentError(f"{where}: {name!r} is given twice")
        fields[name] = item
    raw = {}
    for name, child in block.child_blocks.items():
        at = f"{where}, {name}"
        given = fields.get(name)
        if given in (None, ""):
            default = child.get_prep_value(child.get_default())
            if default in (None, "") and getattr(child, "required", False):
                raise ContentError(f"{at}: required")
            raw[name] = _field(child, default) if isinstance(child, blocks.FieldBlock) else default
        elif isinstance(child, blocks.ChooserBlock):
            raw[name] = resolve(child, given, fields, at).pk
        else:
            raw[name] = _raw(child, given, at, resolve)
    return raw


def _field(block: blocks.Block, value):
    """A scalar as the admin's form would have stored it: YAML numbers in a text field become that text, an
    optional field left out the form field's empty value (`""` for text). Strings are kept as written."""
    field = getattr(block, "field", None)
    if isinstance(block, blocks.ChooserBlock) or field is None:
        return value
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return field.to_python(None if value is None else str(value))
    return value
