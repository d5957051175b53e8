"""The GraphQL endpoint: grapple's schema behind graphene-django's view, with query limits.

GET and POST both work (the builder uses POST with JSON); no CSRF token since it is read-only and
carries no cookie-based authority (previews use signed tokens, not sessions).
"""

from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView

from .limits import validation_rules
from .prefetch import request_scope


class LimitedGraphQLView(GraphQLView):
    graphiql = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validation_rules", validation_rules())
        super().__init__(*args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        with request_scope():  # a bulk-read cache never outlives its request
            return super().dispatch(request, *args, **kwargs)


graphql_view = csrf_exempt(LimitedGraphQLView.as_view())
