"""Refuse abusive GraphQL requests before they cost anything: what a query may ask, measured on its text.

One pass over the parsed document (each fragment measured once, so a chain of fragments that doubles at
every step costs its length, not 2^n; cycles are skipped and reported by graphql-core's own rule) gives,
per operation:
- depth: how deep fields nest (graphene's convention: `{ pages { id } }` is 1);
- fields: every field selected once fragments are expanded (a fragment spread a thousand times counts a
  thousand), aliases included;
- cost: what executing it may cost. A field costs its weight (1, more for fields that make image files or
  search the index), and a list field multiplies what it selects by the number of items the request can
  make it return: its `limit:` argument (grapple's default page size when absent, capped at grapple's
  MAX_PAGE_SIZE); GRAPHQL_LIST_SIZE for a root list without one (snippets, redirects…); for lists inside
  an object without one (a page's body, a gallery, its related projects) the content decides the size,
  not the request, so they count once (a known few, like the six site renditions, count as such).
  Aliases add up, so 500 aliases of a list cost 500 times one;
- how often each bulk field appears (at most once, whoever asks: `sitePages` under 500 aliases is 500
  full pulls) and whether the build token is needed (access.py);
- whether it uses introspection (`__schema`, `__type`; off in production);
- the largest number of fields sharing one response name in one selection: graphql-core's own
  "overlapping fields" rule compares those pairwise (990 copies of `id` cost it half a second).

These checks run before graphql-core's validation, which is skipped when they refuse: the request then
costs its parse and this pass (linear in its size, itself bounded by GRAPHQL_MAX_BODY_BYTES).
Requests with the build token skip the cost budget only: the builder's pull is one big query by design.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from graphql import (FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError, GraphQLList,
                     GraphQLNonNull, InlineFragmentNode, IntValueNode, OperationDefinitionNode, VariableNode,
                     get_named_type)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from grapple.settings import grapple_settings

from .access import BULK_FIELDS, HEADER_HINT

# Fields whose one call costs more than reading a value: they may make image files, or search the index.
WEIGHTS = {"rendition": 20, "srcSet": 20, "siteRenditions": 20, "search": 50,
           "siteRenditionsJson": 20 + 6 * 4,  # = siteRenditions { url width height format }: same work
           # = `body { ...Blocks }` (tests/test_stream_json.py holds it at least that): the same values, images
           # and renditions, as one JSON value (api/stream_json.py)
           "bodyJson": 190, "photosJson": 190}
# Lists without a `limit:` argument whose size is known (else GRAPHQL_LIST_SIZE at the root, 1 inside).
LIST_SIZES = {"search": 20, "siteRenditions": 6}
PAGINATION_ARGS = ("limit", "perPage")


@dataclass
class Measure:
    fields: int = 0
    cost: int = 0
    depth: int = 0
    duplicates: int = 0  # most fields sharing one response name within one selection
    bulk: Counter = field(default_factory=Counter)
    introspection: list = field(default_factory=list)
    keys: Counter = field(default_factory=Counter)  # response names at this level (merged by the parent)

    def add(self, other: "Measure", *, merge_keys: bool) -> None:
        self.fields += other.fields
        self.cost += other.cost
        self.depth = max(self.depth, other.depth)
        self.duplicates = max(self.duplicates, other.duplicates)
        self.bulk.update(other.bulk)
        self.introspection.extend(other.introspection)
        if merge_keys:
            self.keys.update(other.keys)


class Analyzer:
    def __init__(self, schema, document, variables=None):
        self.schema = schema
        self.variables = variables if isinstance(variables, dict) else {}
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[str, Measure] = {}
        self.active: set[str] = set()
        self.list_size = settings.GRAPHQL_LIST_SIZE

    def operation(self, node: OperationDefinitionNode) -> Measure:
        return self.selection_set(node.selection_set, self.schema.get_root_type(node.operation))

    def selection_set(self, selection_set, parent_type) -> Measure:
        measure = Measure()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                measure.add(self.field(selection, parent_type), merge_keys=False)
                measure.keys[(selection.alias or selection.name).value] += 1
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent_type
                measure.add(self.selection_set(selection.selection_set, inner), merge_keys=True)
            elif isinstance(selection, FragmentSpreadNode):
                measure.add(self.fragment(selection.name.value), merge_keys=True)
        if measure.keys:
            measure.duplicates = max(measure.duplicates, max(measure.keys.values()))
        return measure

    def fragment(self, name: str) -> Measure:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            return Measure()  # unknown fragments and cycles: graphql-core's own rules report them
        self.active.add(name)
        try:
            measure = self.selection_set(definition.selection_set,
                                         self.schema.get_type(definition.type_condition.name.value))
        finally:
            self.active.discard(name)
        self.memo[name] = measure
        return measure

    def field_definition(self, name: str, parent_type):
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        fields = getattr(parent_type, "fields", None)
        return fields.get(name) if fields else None

    def items(self, node: FieldNode, definition, parent_type) -> int:
        """How many items a list field may return, as far as the request decides it."""
        name = node.name.value
        if not any(arg in definition.args for arg in PAGINATION_ARGS):
            return LIST_SIZES.get(name, self.list_size if parent_type is self.schema.query_type else 1)
        value = None
        for argument in node.arguments or ():
            if argument.name.value in PAGINATION_ARGS:
                if isinstance(argument.value, IntValueNode):
                    value = argument.value.value
                elif isinstance(argument.value, VariableNode):
                    value = self.variables.get(argument.value.name.value)
        try:
            value = int(value) if value is not None else grapple_settings.PAGE_SIZE
        except (TypeError, ValueError, OverflowError):
            value = grapple_settings.MAX_PAGE_SIZE
        return max(1, min(value, grapple_settings.MAX_PAGE_SIZE))

    def field(self, node: FieldNode, parent_type) -> Measure:
        name = node.name.value
        definition = self.field_definition(name, parent_type)
        child_type = get_named_type(definition.type) if definition is not None else None
        inner = self.selection_set(node.selection_set, child_type) if node.selection_set else Measure()
        field_type = definition.type if definition is not None else None
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        multiplier = self.items(node, definition, parent_type) if isinstance(field_type, GraphQLList) else 1
        measure = Measure(fields=1 + inner.fields, cost=WEIGHTS.get(name, 1) + multiplier * inner.cost,
                          depth=(1 + inner.depth) if node.selection_set else 0, duplicates=inner.duplicates,
                          bulk=inner.bulk, introspection=inner.introspection)
        if name in BULK_FIELDS and parent_type is self.schema.query_type:
            measure.bulk = measure.bulk + Counter({name: 1})
        if name in ("__schema", "__type"):
            measure.introspection = [*measure.introspection, node]
        return measure


def check(schema, document, variables=None, *, build: bool = False) -> list[GraphQLError]:
    """The reasons to refuse `document` before validating it; empty when it may go on."""
    analyzer = Analyzer(schema, document, variables)
    errors = []
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        label = f"'{operation.name.value}'" if operation.name else "the operation"
        m = analyzer.operation(operation)
        if m.depth > settings.GRAPHQL_MAX_DEPTH:
            errors.append(GraphQLError(f"{label} exceeds maximum operation depth of {settings.GRAPHQL_MAX_DEPTH} "
                                       f"(it nests {m.depth} levels).", operation))
        if m.fields > settings.GRAPHQL_MAX_FIELDS:
            errors.append(GraphQLError(f"Query too large: it selects more than {settings.GRAPHQL_MAX_FIELDS} fields "
                                       "(fragments expanded, aliases included). Split it into smaller queries.",
                                       operation))
        if m.duplicates > settings.GRAPHQL_MAX_DUPLICATE_FIELDS:
            errors.append(GraphQLError(f"Query too repetitive: one selection asks for the same field "
                                       f"{m.duplicates} times (at most {settings.GRAPHQL_MAX_DUPLICATE_FIELDS}).",
                                       operation))
        if not build and m.cost > settings.GRAPHQL_MAX_COST:
            errors.append(GraphQLError(
                f"Query too expensive: its estimated cost is {m.cost}, the limit is {settings.GRAPHQL_MAX_COST} "
                "(a list field multiplies what it selects by its `limit:`, and aliases add up). "
                "Ask for fewer items or fields, or split the query.",
                operation))
        for name, count in sorted(m.bulk.items()):
            if not build:
                errors.append(GraphQLError(
                    f"{name} is reserved for the site builder: send the build token ({HEADER_HINT}). "
                    "Other readers: use pages, page and the other fields.", operation))
            elif count > 1:
                errors.append(GraphQLError(f"{name} may appear once per query (it appears {count} times, "
                                           "aliases and fragments included).", operation))
        if m.introspection and not settings.GRAPHQL_INTROSPECTION:
            errors.append(GraphQLError("GraphQL introspection is disabled on this server.", m.introspection[0]))
    return errors


def body_limit(build: bool) -> int:
    return settings.GRAPHQL_BUILD_MAX_BODY_BYTES if build else settings.GRAPHQL_MAX_BODY_BYTES
