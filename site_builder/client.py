"""A small GraphQL client: one POST, a precise error when the CMS is down or the query is refused."""

from __future__ import annotations

import requests


class ApiError(RuntimeError):
    pass


def fetch(api_url: str, query: str, variables: dict | None = None, timeout: float = 300) -> dict:
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
    if payload.get("errors"):
        messages = "; ".join(e.get("message", str(e)) for e in payload["errors"][:5])
        raise ApiError(f"the API refused the query: {messages}")
    if response.status_code != 200 or "data" not in payload:
        raise ApiError(f"{api_url} answered HTTP {response.status_code}")
    return payload["data"]
