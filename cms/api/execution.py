"""graphql-core's executor, without the per-field work this schema never needs (issue 12 §4).

A full build's `sitePages` resolves about 95 fields per page (191,000 for 2,000 pages), and graphql-core
spends more CPU around each field than the resolvers themselves: it asks of every value whether it is
awaitable (687,000 checks for 2,000 pages), and completes a scalar through the generic `complete_value`
dispatch (abstract? list? object?) before serialising it. Two things are known here that it cannot assume:

- the schema is synchronous: no resolver of grapple, graphene-django or ours returns a coroutine (the view
  calls the synchronous `execute`, which would fail on one), so `is_awaitable` is always false;
- most fields are leaves (strings, numbers, enums): their value is the resolver's result, serialised.

`SyncExecutionContext` keeps everything else as graphql-core does it: the same field definitions, the same
resolvers (so every guard of api/schema.py and api/visibility.py still runs, on every field), the same
argument coercion, the same errors at the same paths. A leaf whose resolver answers None, an exception or
a value its scalar refuses goes through graphql-core's own completion, so null checks and error messages
are unchanged; only a leaf with a serialisable value takes the short path. Objects, lists, interfaces and
unions are completed by graphql-core.
"""

from __future__ import annotations

import functools

from graphql import (ExecutionContext, GraphQLEnumType, GraphQLNonNull, GraphQLScalarType, Undefined,
                     located_error)
from graphql.execution.values import get_argument_values

_leaf_types: dict[int, object] = {}  # id(field definition) -> its scalar or enum type, or None (not a leaf)


def _leaf_of(field_def):
    """The scalar or enum a field returns (through a non-null wrapper), else None. Cached by the field
    definition's identity: the schema is built once per process and its definitions live as long."""
    key = id(field_def)
    try:
        return _leaf_types[key]
    except KeyError:
        pass
    named = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
    leaf = named if isinstance(named, (GraphQLScalarType, GraphQLEnumType)) else None
    _leaf_types[key] = leaf
    _keep_alive.append(field_def)  # an id is only unique while its object lives
    return leaf


_keep_alive: list = []


def never_awaitable(value) -> bool:
    return False


class SyncExecutionContext(ExecutionContext):
    """See the module's docstring: graphql-core's execution, synchronous, with a short path for leaves."""

    is_awaitable = staticmethod(never_awaitable)

    def execute_field(self, parent_type, source, field_nodes, path):
        node = field_nodes[0]
        field_def = parent_type.fields.get(node.name.value)  # None for __typename and the other meta fields
        leaf = _leaf_of(field_def) if field_def is not None else None
        if leaf is None:
            return super().execute_field(parent_type, source, field_nodes, path)
        resolve_fn = field_def.resolve or self.field_resolver
        if self.middleware_manager:
            resolve_fn = self.middleware_manager.get_field_resolver(resolve_fn)
        info = self.build_resolve_info(field_def, field_nodes, parent_type, path)
        try:
            args = get_argument_values(field_def, node, self.variable_values) if field_def.args else {}
            result = resolve_fn(source, info, **args)
            if result is not None and result is not Undefined and not isinstance(result, Exception):
                serialized = leaf.serialize(result)
                if serialized is not None and serialized is not Undefined:
                    return serialized
            # null, an error or a value the scalar refuses: graphql-core's own completion and messages
            return self.complete_value(field_def.type, field_nodes, info, path, result)
        except Exception as raw_error:
            error = located_error(raw_error, field_nodes, path.as_list())
            self.handle_field_error(error, field_def.type, path)
            return None


def cache_grapple_field_names() -> None:
    """grapple's StreamField resolver turns the GraphQL field name into the block's (`buttonLabel` ->
    `button_label`) with two regular expressions on every block field it resolves (38,000 times for 2,000
    pages); the answer depends on the name only, so it is computed once per name."""
    from grapple import actions

    if not getattr(actions.convert_to_underscore, "__vda_cached__", False):
        original = actions.convert_to_underscore
        cached = functools.lru_cache(maxsize=4096)(original)
        cached.__vda_cached__ = True
        actions.convert_to_underscore = cached
