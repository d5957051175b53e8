"""A small GraphQL client: one POST, a precise error when the CMS is down or the query is refused."""

from __future__ import annotations

import requests


class ApiError(RuntimeError):
    pass


def fetch(api_url: str, query: str, variables: dict | None = None, timeout: float = 300) -> dict:
    data, errors = fetch_partial(api_url, query, variables, timeout)
    if errors:
        raise ApiError("the API answered with errors: " + "; ".join(describe(e) for e in errors[:5]))
    return data


def describe(error: dict) -> str:
    path = ".".join(str(p) for p in error.get("path") or [])
    return f"{error.get('message', error)}" + (f" (at {path})" if path else "")


def fetch_partial(api_url: str, query: str, variables: dict | None = None,
                  timeout: float = 300) -> tuple[dict, list[dict]]:
    """The data and the field errors: GraphQL answers what it can, and a bad field on one page must not
    stop the build of the others. Refused queries (no data at all) raise ApiError."""
    try:
        response = requests.post(api_url, json={"query": query, "variables": variables or {}},
                                 timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise ApiError(f"cannot reach the CMS API at {api_url}: {exc}") from exc
    try:
        payload = response.json()
    except ValueError:
        raise ApiError(f"{api_url} answered HTTP {response.status_code} with non-JSON content "
                       f"(is this the /graphql/ endpoint?)") from None
    if not payload.get("data"):
        messages = "; ".join(describe(e) for e in payload.get("errors") or [])
        raise ApiError(f"the API refused the query (HTTP {response.status_code}): {messages or 'no data'}")
    return payload["data"], payload.get("errors") or []
