"""The GraphQL endpoint: the hardened schema (api/schema.py) behind graphene-django's view, with limits.

In the order a request meets them, each before anything costlier:
1. the build token (access.py): the builder's requests skip the rate limit and the cost budget;
2. the rate limit for anonymous readers (GRAPHQL_RATE_LIMIT per client address, from cms.core.ratelimit):
   429 with Retry-After;
3. the size of the body (or of the query string of a GET), from its Content-Length, before reading it:
   413 past GRAPHQL_MAX_BODY_BYTES (GRAPHQL_BUILD_MAX_BODY_BYTES with the token: an incremental build
   sends the ids of the pages it pulls); the query text itself is held to GRAPHQL_MAX_BODY_BYTES always;
4. parsing, then limits.check (depth, fields, cost, bulk fields, introspection), then graphql-core's
   validation, which is skipped when the checks refuse (some of its rules are quadratic).
Errors are JSON GraphQL errors (`{"errors": [{"message": …}]}`) with a 4xx status, never a 500.

GET and POST both work (the builder uses POST with JSON); no CSRF token since it is read-only and
carries no cookie-based authority (previews use signed tokens, not sessions).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import ExecutionResult, GraphQLError, OperationType, execute, get_operation_ast, parse, validate
from graphql.validation import specified_rules

from . import limits
from .access import has_build_token
from .execution import SyncExecutionContext
from .prefetch import request_scope


def json_error(status: int, message: str, **headers) -> HttpResponse:
    response = HttpResponse(json.dumps({"errors": [{"message": message}]}), status=status,
                            content_type="application/json")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def rate_limited(request) -> HttpResponse | None:
    rate = settings.GRAPHQL_RATE_LIMIT
    if not rate:
        return None
    from cms.core import ratelimit

    # client_key: the address our trusted proxy saw (IPv6 by /64: one subscriber holds a whole /64)
    key = ratelimit.client_key(request) if hasattr(ratelimit, "client_key") else ratelimit.client_ip(request)
    wait = ratelimit.allow("graphql", key, rate)
    if not wait:
        return None
    return json_error(429, f"Too many requests: at most {rate} from one address. Retry in {wait} s.",
                      Retry_After=str(int(wait)))


def oversize(request, build: bool) -> HttpResponse | None:
    limit = limits.body_limit(build)
    if request.method == "GET":
        size = len(request.META.get("QUERY_STRING", ""))
    else:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0  # Django reads no body without a valid Content-Length
    if size <= limit:
        return None
    return json_error(413, f"Request too large: {size} bytes, the limit is {limit} bytes "
                           "(GRAPHQL_MAX_BODY_BYTES). Send a smaller query.")


class LimitedGraphQLView(GraphQLView):
    graphiql = False

    def dispatch(self, request, *args, **kwargs):
        request.vda_build = build = has_build_token(request)
        refusal = (None if build else rate_limited(request)) or oversize(request, build)
        if refusal is not None:
            return refusal
        with request_scope():  # a bulk-read cache never outlives its request
            return super().dispatch(request, *args, **kwargs)

    def parse_body(self, request):
        """graphene-django's, without its two 500s: a JSON body nested thousands deep (RecursionError) and
        an application/graphql body that is not UTF-8 (UnicodeDecodeError)."""
        try:
            return super().parse_body(request)
        except RecursionError:
            raise HttpError(HttpResponseBadRequest("POST body sent invalid JSON (nested too deeply).")) from None
        except UnicodeDecodeError:
            raise HttpError(HttpResponseBadRequest("The body is not UTF-8.")) from None

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        """graphene-django's, with the query checked before graphql-core validates it."""
        if not query:
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        if not isinstance(query, str):
            return ExecutionResult(errors=[GraphQLError("query must be a string.")])
        if len(query) > settings.GRAPHQL_MAX_BODY_BYTES:
            return ExecutionResult(errors=[GraphQLError(
                f"Query too long: {len(query)} characters, at most {settings.GRAPHQL_MAX_BODY_BYTES}.")])
        if operation_name is not None and not isinstance(operation_name, str):
            return ExecutionResult(errors=[GraphQLError("operationName must be a string.")])
        schema = self.schema.graphql_schema
        try:
            document = parse(query)
        except GraphQLError as exc:
            return ExecutionResult(errors=[exc])
        except RecursionError:
            return ExecutionResult(errors=[GraphQLError("Syntax Error: the query is nested too deeply.")])
        operation = get_operation_ast(document, operation_name)
        if request.method.lower() == "get" and operation is not None and operation.operation != OperationType.QUERY:
            raise HttpError(HttpResponseNotAllowed(["POST"], "Only queries may be sent with GET."))
        refusals = limits.check(schema, document, variables, build=request.vda_build)
        if refusals:
            return ExecutionResult(errors=refusals)
        errors = validate(schema, document, specified_rules, graphene_settings.MAX_VALIDATION_ERRORS)
        if errors:
            return ExecutionResult(errors=errors)
        try:
            return execute(schema, document, root_value=self.get_root_value(request),
                           context_value=self.get_context(request), variable_values=variables,
                           operation_name=operation_name, middleware=self.get_middleware(request),
                           execution_context_class=SyncExecutionContext)  # same answer, less CPU per field
        except Exception as exc:  # noqa: BLE001 (graphene-django's own behaviour: an error, not a 500)
            return ExecutionResult(errors=[exc])


graphql_view = csrf_exempt(LimitedGraphQLView.as_view())
