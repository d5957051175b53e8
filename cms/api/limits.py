"""Refuse abusive GraphQL queries before they run: too deep, or too many fields once fragments are expanded.

Depth comes from graphene's own validator; the field budget is ours: it counts every selected field
(fragments included, so one fragment spread a thousand times costs a thousand), which also caps aliases.
"""

from django.conf import settings
from graphene.validation import depth_limit_validator
from graphql import GraphQLError, ValidationRule, specified_rules
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, OperationDefinitionNode


def _count_fields(selection_set, fragments, budget, seen=()):
    total = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            total += 1
            total += _count_fields(selection.selection_set, fragments, budget, seen)
        elif isinstance(selection, InlineFragmentNode):
            total += _count_fields(selection.selection_set, fragments, budget, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue  # cycles and unknown fragments are reported by graphql-core's own rules
            total += _count_fields(fragments[name].selection_set, fragments, budget, seen + (name,))
        if total > budget:
            return total  # stop early: the answer is already "too many"
    return total


def field_budget_validator(max_fields: int):
    class FieldBudgetRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            fragments = {name: frag for name, frag in self.context._fragments.items()} \
                if getattr(self.context, "_fragments", None) else {
                    f.name.value: f for f in self.context.document.definitions
                    if f.kind == "fragment_definition"}
            count = _count_fields(node.selection_set, fragments, max_fields)
            if count > max_fields:
                self.report_error(GraphQLError(
                    f"Query too large: it selects more than {max_fields} fields "
                    f"(fragments expanded). Split it into smaller queries.", node))

    return FieldBudgetRule


def validation_rules():
    return (
        *specified_rules,  # GraphQL's own validation: without it a view given rules runs only those
        depth_limit_validator(max_depth=settings.GRAPHQL_MAX_DEPTH),
        field_budget_validator(settings.GRAPHQL_MAX_FIELDS),
    )
