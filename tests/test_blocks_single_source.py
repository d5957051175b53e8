"""A StreamField block is defined once, in cms/core/blocks.py, and every reader follows it.

This walks every block type the page models' StreamFields can hold (nested StructBlock, ListBlock and
StreamBlock children included, and the StreamFields of the pages' inline children such as project updates)
and fails, naming the block type and where it is used, when one is missing from:
- the GraphQL fragment `Blocks` (site_builder/queries.py), with every field the API offers for it: the
  shape of the JSON the builder pulls (`body: bodyJson`; a field added to a block but never in it would
  silently not show);
- the API's JSON serialiser table (cms/api/stream_json.py `BLOCK_SERIALIZERS`), which tests/test_stream_json.py
  holds equal to the fragment's answer;
- the builder's normaliser table (site_builder/blocks.py `BLOCK_NORMALIZERS`);
- the theme's `block` macro (themes/vision/templates/macros.html), read from its if/elif dispatch.
The last tests feed the same checks a table, a fragment, a macro or a model with one block type missing,
and check that the failure names it: these checks cannot pass by looking at nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import graphql
import jinja2
import pytest
from django.apps import apps
from graphene.utils.str_converters import to_camel_case
from jinja2 import nodes
from modelcluster.models import get_all_child_relations
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import Page

from site_builder import queries
from site_builder.blocks import BLOCK_NORMALIZERS
from tests.conftest import REPO

MACROS = REPO / "themes" / "vision" / "templates" / "macros.html"
INTERFACE_FIELDS = {"id", "blockType", "field", "blocks"}  # every block type's; `blocks` repeats a struct's fields


@dataclass(frozen=True)
class BlockUse:
    """A block type as a stream holds it: `name` is its GraphQL `field`, the normaliser's key and the
    macro's `type`."""

    name: str
    block: blocks.Block
    where: str


@dataclass(frozen=True)
class StreamFieldPath:
    page_model: type
    path: tuple[str, ...]  # model field names from the page: ("body",) or ("updates", "photos")
    stream_block: blocks.StreamBlock

    def __str__(self) -> str:
        return f"{self.page_model._meta.label}.{'.'.join(self.path)}"


def page_stream_fields() -> list[StreamFieldPath]:
    """Every StreamField of every page model, and of the models edited inline in a page (its child relations)."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, Page) or model is Page:
            continue
        for field in model._meta.local_fields:
            if isinstance(field, StreamField):
                found.append(StreamFieldPath(model, (field.name,), field.stream_block))
        for relation in get_all_child_relations(model):
            for field in relation.related_model._meta.local_fields:
                if isinstance(field, StreamField):
                    found.append(StreamFieldPath(model, (relation.get_accessor_name(), field.name),
                                                 field.stream_block))
    return found


def block_uses(block: blocks.Block, where: str):
    """Every block a stream holds, at any depth: a StreamBlock's children, and those of streams nested in
    struct or list blocks."""
    if isinstance(block, blocks.StreamBlock):
        for name, child in block.child_blocks.items():
            yield BlockUse(name, child, where)
            yield from block_uses(child, f"{where} > {name}")
    elif isinstance(block, blocks.StructBlock):
        for name, child in block.child_blocks.items():
            yield from block_uses(child, f"{where}.{name}")
    elif isinstance(block, blocks.ListBlock):
        yield from block_uses(block.child_block, f"{where}[]")


def all_uses(streams=None) -> list[BlockUse]:
    return [use for s in (streams or page_stream_fields()) for use in block_uses(s.stream_block, str(s))]


# ---- the GraphQL fragment ------------------------------------------------------------------------------
def api_schema():
    from cms.api.schema import schema

    return schema.graphql_schema


def graphql_type_name(block: blocks.Block) -> str:
    """The API type grapple gives a block: its class's, or its nearest registered base's (a GalleryBlock is a
    ListBlock), as grapple's own StreamFieldInterface.resolve_type does."""
    api_schema()  # grapple registers the project's block types while it builds the schema
    from grapple.registry import registry

    for cls in type(block).__mro__:
        if cls in registry.streamfield_blocks:
            return registry.streamfield_blocks[cls]._meta.name
    raise AssertionError(f"grapple has no type for {type(block).__name__}")


def fragment(source: str, name: str) -> graphql.language.SelectionSetNode:
    document = graphql.parse(source)
    for definition in document.definitions:
        if isinstance(definition, graphql.language.FragmentDefinitionNode) and definition.name.value == name:
            return definition.selection_set
    raise AssertionError(f"no fragment {name} in site_builder/queries.py")


def selected_on(selection_set, type_name: str) -> dict[str, graphql.language.FieldNode]:
    """The fields a selection picks for `type_name`: its inline fragments on that type, merged, by field name
    (not alias)."""
    fields = {}
    for selection in selection_set.selections if selection_set else ():
        if (isinstance(selection, graphql.language.InlineFragmentNode) and selection.type_condition
                and selection.type_condition.name.value == type_name):
            for field in selection.selection_set.selections:
                if isinstance(field, graphql.language.FieldNode):
                    fields[field.name.value] = field
    return fields


def offered_fields(type_name: str) -> set[str]:
    return set(api_schema().get_type(type_name).fields) - INTERFACE_FIELDS


def selection_problems(block: blocks.Block, selection_set, what: str) -> list[str]:
    type_name = graphql_type_name(block)
    fields = selected_on(selection_set, type_name)
    if not fields:
        return [f"{what} is not in the GraphQL fragment Blocks (site_builder/queries.py): "
                f"add `... on {type_name} {{ {' '.join(sorted(offered_fields(type_name)))} }}`"]
    missing = offered_fields(type_name) - set(fields)
    if missing:
        return [f"{what}: the GraphQL fragment Blocks selects no {', '.join(sorted(missing))} of {type_name}"]
    if isinstance(block, blocks.ListBlock):
        return selection_problems(block.child_block, fields["items"].selection_set,
                                  f"{what}, its items ({type(block.child_block).__name__})")
    if isinstance(block, blocks.StreamBlock):
        spreads = [s for s in fields["blocks"].selection_set.selections
                   if isinstance(s, graphql.language.FragmentSpreadNode) and s.name.value == "Blocks"]
        if not spreads:
            return [f"{what}: its blocks are not selected with ...Blocks"]
    return []


def fragment_problems(uses: list[BlockUse], source: str = queries.IMAGE + queries.BLOCKS) -> list[str]:
    selection = fragment(source, "Blocks")
    problems = []
    for use in unique(uses):
        problems += selection_problems(use.block, selection, f"block type {use.name!r} (in {use.where})")
    return problems


def stream_field_problems(streams: list[StreamFieldPath], source: str = queries.PAGE) -> list[str]:
    """Each StreamField is pulled, under its page type, as its JSON form under its own name
    (`body: bodyJson`, the shape of the Blocks fragment)."""
    from grapple.registry import registry

    api_schema()
    page = fragment(source, "Page")
    problems = []
    for stream in streams:
        type_name = registry.pages[stream.page_model]._meta.name
        selection = by_response_name(s for f in page.selections if isinstance(f, graphql.language.InlineFragmentNode)
                                     and f.type_condition.name.value == type_name for s in f.selection_set.selections)
        node = None
        for name in stream.path:
            node = selection.get(to_camel_case(name))
            if node is None:
                break
            selection = by_response_name(node.selection_set.selections if node.selection_set else ())
        json_name = to_camel_case(f"{stream.path[-1]}_json")
        if node is None or node.name.value != json_name or node.selection_set:
            problems.append(f"{stream} is not pulled as `{to_camel_case(stream.path[-1])}: {json_name}` in the "
                            f"Page fragment (site_builder/queries.py)")
    return problems


def by_response_name(selections) -> dict[str, graphql.language.FieldNode]:
    return {(f.alias or f.name).value: f for f in selections if isinstance(f, graphql.language.FieldNode)}


def serializer_problems(uses: list[BlockUse], table=None) -> list[str]:
    """Each block type has a JSON serialiser (by its class or a base class, as grapple types it)."""
    from cms.api import stream_json

    if table is None:
        stream_json.serializer_for(blocks.CharBlock())  # fills the table
        table = stream_json.BLOCK_SERIALIZERS
    return [f"block type {use.name!r} (in {use.where}) has no JSON serialiser in cms/api/stream_json.py "
            f"BLOCK_SERIALIZERS" for use in unique(uses)
            if not any(cls in table for cls in type(use.block).__mro__)]


# ---- the normaliser and the macro ----------------------------------------------------------------------
def table_problems(uses: list[BlockUse], table=BLOCK_NORMALIZERS) -> list[str]:
    return [f"block type {use.name!r} (in {use.where}) has no normaliser in site_builder/blocks.py "
            f"BLOCK_NORMALIZERS" for use in unique(uses) if use.name not in table]


def macro_types(source: str) -> set[str]:
    """The block types the `block` macro dispatches on: each `b.type == "…"` (or `b.type in (…)`) test."""
    template = jinja2.Environment().parse(source)
    macro = next((m for m in template.find_all(nodes.Macro) if m.name == "block"), None)
    assert macro is not None, "macros.html has no `block` macro"
    param = macro.args[0].name
    types = set()
    for compare in macro.find_all(nodes.Compare):
        expr = compare.expr
        if not (isinstance(expr, nodes.Getattr) and expr.attr == "type" and isinstance(expr.node, nodes.Name)
                and expr.node.name == param):
            continue
        for operand in compare.ops:
            if operand.op == "eq" and isinstance(operand.expr, nodes.Const):
                types.add(operand.expr.value)
            elif operand.op == "in" and isinstance(operand.expr, (nodes.Tuple, nodes.List)):
                types |= {item.value for item in operand.expr.items if isinstance(item, nodes.Const)}
    return types


def macro_problems(uses: list[BlockUse], source: str | None = None) -> list[str]:
    handled = macro_types(source if source is not None else MACROS.read_text(encoding="utf-8"))
    return [f"block type {use.name!r} (in {use.where}) is not rendered by the `block` macro of "
            f"themes/vision/templates/macros.html" for use in unique(uses) if use.name not in handled]


def unique(uses: list[BlockUse]) -> list[BlockUse]:
    """One use per (name, block class): the first place each is used names it."""
    seen, out = set(), []
    for use in uses:
        key = (use.name, type(use.block))
        if key not in seen:
            seen.add(key)
            out.append(use)
    return out


# ---- the tests -----------------------------------------------------------------------------------------
def test_the_walk_reaches_every_stream_and_nested_block():
    streams = {str(s) for s in page_stream_fields()}
    assert {"core.HomePage.body", "core.StandardPage.body", "projects.ProjectPage.body", "stories.StoryPage.body",
            "projects.ProjectPage.updates.photos"} <= streams
    names = {use.name for use in all_uses()}
    assert {"rich_text", "heading", "image", "gallery", "quote", "video", "key_figure", "cta", "document"} <= names
    # a stream nested in a struct inside a list is reached too
    nested = blocks.StreamBlock([("section", blocks.ListBlock(blocks.StructBlock([
        ("content", blocks.StreamBlock([("note", blocks.CharBlock())]))])))])
    assert [(u.name, u.where) for u in block_uses(nested, "x")] == [
        ("section", "x"), ("note", "x > section[].content")]


def test_every_block_type_is_in_the_graphql_fragment_with_all_its_fields():
    assert fragment_problems(all_uses()) == []


def test_every_stream_field_is_pulled_with_the_blocks_fragment():
    assert stream_field_problems(page_stream_fields()) == []


def test_every_block_type_has_a_json_serialiser():
    assert serializer_problems(all_uses()) == []


def test_every_block_type_has_a_normaliser():
    assert table_problems(all_uses()) == []


def test_every_block_type_is_rendered_by_the_block_macro():
    assert macro_problems(all_uses()) == []


def test_a_block_name_means_one_block_type():
    """The normaliser and the macro know a block by its name only: one name, one definition."""
    classes: dict[str, set[str]] = {}
    for use in all_uses():
        classes.setdefault(use.name, set()).add(type(use.block).__name__)
    assert {name: c for name, c in classes.items() if len(c) > 1} == {}


def test_no_normaliser_or_macro_branch_for_a_block_type_that_does_not_exist():
    names = {use.name for use in all_uses()}
    assert set(BLOCK_NORMALIZERS) - names == set()
    assert macro_types(MACROS.read_text(encoding="utf-8")) - names == set()


# ---- the checks can fail, and say what is missing ------------------------------------------------------
def test_a_type_missing_from_the_table_is_named():
    table = {k: v for k, v in BLOCK_NORMALIZERS.items() if k != "quote"}
    assert table_problems(all_uses(), table) == [
        "block type 'quote' (in core.HomePage.body) has no normaliser in site_builder/blocks.py BLOCK_NORMALIZERS"]


def test_a_type_missing_from_the_fragment_or_one_of_its_fields_is_named():
    source = queries.IMAGE + queries.BLOCKS
    line = "  ... on QuoteBlock { text attribution role }\n"
    assert line in source
    without_type = fragment_problems(all_uses(), source.replace(line, ""))
    assert len(without_type) == 1 and without_type[0].startswith(
        "block type 'quote' (in core.HomePage.body) is not in the GraphQL fragment Blocks")
    without_field = fragment_problems(all_uses(), source.replace(line, "  ... on QuoteBlock { text attribution }\n"))
    assert without_field == [
        "block type 'quote' (in core.HomePage.body): the GraphQL fragment Blocks selects no role of QuoteBlock"]
    gallery = "  ... on ListBlock { items { ... on GalleryItemBlock { caption image { ...Img } } } }\n"
    assert gallery in source
    nested = fragment_problems(all_uses(), source.replace(gallery, "  ... on ListBlock { items { id } }\n"))
    assert nested and "'gallery'" in nested[0] and "GalleryItemBlock" in nested[0]


def test_a_stream_field_not_pulled_is_named():
    source = queries.PAGE.replace("updates { date title text photos: photosJson ", "updates { date title text ")
    assert source != queries.PAGE
    assert stream_field_problems(page_stream_fields(), source) == [
        "projects.ProjectPage.updates.photos is not pulled as `photos: photosJson` in the Page fragment "
        "(site_builder/queries.py)"]
    typed = queries.PAGE.replace("updates { date title text photos: photosJson ",
                                 "updates { date title text photos { ...Blocks } ")
    assert stream_field_problems(page_stream_fields(), typed) == [
        "projects.ProjectPage.updates.photos is not pulled as `photos: photosJson` in the Page fragment "
        "(site_builder/queries.py)"]


def test_a_type_missing_from_the_json_serialisers_is_named():
    from cms.api import stream_json
    from cms.core.blocks import QuoteBlock

    stream_json.serializer_for(blocks.CharBlock())
    table = {k: v for k, v in stream_json.BLOCK_SERIALIZERS.items() if k is not QuoteBlock}
    assert serializer_problems(all_uses(), table) == [
        "block type 'quote' (in core.HomePage.body) has no JSON serialiser in cms/api/stream_json.py "
        "BLOCK_SERIALIZERS"]


def test_a_type_missing_from_the_macro_is_named():
    source = MACROS.read_text(encoding="utf-8")
    branch = '{%- elif b.type == "quote" -%}'
    assert branch in source
    assert macro_problems(all_uses(), source.replace(branch, '{%- elif b.type == "citation" -%}')) == [
        "block type 'quote' (in core.HomePage.body) is not rendered by the `block` macro of "
        "themes/vision/templates/macros.html"]


def test_a_block_type_added_to_a_model_only_is_named_everywhere():
    class PollBlock(blocks.StructBlock):
        question = blocks.CharBlock()

    streams = page_stream_fields()
    body = next(s for s in streams if str(s) == "stories.StoryPage.body")
    extended = blocks.StreamBlock([*body.stream_block.child_blocks.items(), ("poll", PollBlock())])
    uses = all_uses([StreamFieldPath(body.page_model, body.path, extended)])
    assert [p.split(" (")[0] for p in table_problems(uses) + macro_problems(uses)] == ["block type 'poll'"] * 2
    problems = fragment_problems(uses)
    assert len(problems) == 1 and problems[0].startswith("block type 'poll' (in stories.StoryPage.body)")


@pytest.mark.parametrize("source, expected", [
    ('{% macro block(x) %}{% if x.type == "a" %}{% elif x.type in ("b", "c") %}{% endif %}{% endmacro %}',
     {"a", "b", "c"}),
    ('{% macro block(b) %}{% if b.level == "a" %}{% endif %}{% endmacro %}'
     '{% macro other(b) %}{% if b.type == "z" %}{% endif %}{% endmacro %}', set()),
])
def test_the_macro_dispatch_is_read_from_the_template(source, expected):
    assert macro_types(source) == expected
