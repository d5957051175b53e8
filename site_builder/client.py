"""A small GraphQL client: one POST, a precise error when the CMS is down or the query is refused.

Every request carries the build token (`Authorization: Bearer …`): the CMS answers the bulk fields the
builder pulls (`sitePages`, `sitePageIndex`) only to it (cms/api/access.py). The token is the `token`
argument, else the SITE_BUILD_API_TOKEN environment variable, else the development default that the CMS's
dev and test settings use too (production refuses that value, so a builder that forgot its token gets a
clear refusal, never the site).
"""

from __future__ import annotations

import os

import requests

DEV_BUILD_TOKEN = "dev-build-token"  # = SITE_BUILD_API_TOKEN's default in cms/config/settings/base.py


def build_token(token: str | None = None) -> str:
    return token or os.environ.get("SITE_BUILD_API_TOKEN") or DEV_BUILD_TOKEN


class ApiError(RuntimeError):
    pass


def fetch(api_url: str, query: str, variables: dict | None = None, timeout: float = 300,
          token: str | None = None) -> dict:
    data, errors = fetch_partial(api_url, query, variables, timeout, token=token)
    if errors:
        raise ApiError("the API answered with errors: " + "; ".join(describe(e) for e in errors[:5]))
    return data


def describe(error: dict) -> str:
    path = ".".join(str(p) for p in error.get("path") or [])
    return f"{error.get('message', error)}" + (f" (at {path})" if path else "")


def fetch_partial(api_url: str, query: str, variables: dict | None = None,
                  timeout: float = 300, token: str | None = None) -> tuple[dict, list[dict]]:
    """The data and the field errors: GraphQL answers what it can, and a bad field on one page must not
    stop the build of the others. Refused queries (no data at all) raise ApiError."""
    headers = {"Accept": "application/json", "Authorization": f"Bearer {build_token(token)}"}
    try:
        response = requests.post(api_url, json={"query": query, "variables": variables or {}},
                                 timeout=timeout, headers=headers)
    except requests.RequestException as exc:
        raise ApiError(f"cannot reach the CMS API at {api_url}: {exc}") from exc
    try:
        payload = response.json()
    except ValueError:
        raise ApiError(f"{api_url} answered HTTP {response.status_code} with non-JSON content "
                       f"(is this the /graphql/ endpoint?)") from None
    if not isinstance(payload, dict):
        raise ApiError(f"{api_url} answered HTTP {response.status_code} with unexpected JSON")
    if not payload.get("data"):
        messages = "; ".join(describe(e) for e in payload.get("errors") or [])
        if "build token" in messages:
            messages += " (set SITE_BUILD_API_TOKEN to the CMS's token in the builder's environment)"
        raise ApiError(f"the API refused the query (HTTP {response.status_code}): {messages or 'no data'}")
    return payload["data"], payload.get("errors") or []
