"""Hostile redirect paths never corrupt `_redirects` (site_builder/redirects.py), and the local server finds
each rule again from the address a browser sends (Hypothesis).

Old paths and targets come from editors (or from an attacker with an editor's account): spaces, newlines,
`#`, Netlify's own syntax (`:placeholder`, `*`, `!`), very long or non-ASCII paths. Whatever they hold, the
file keeps one rule a line and three fields a rule, and a rule means exactly the path it was made from.
Budget: `FUZZ_EXAMPLES` inputs per property (default 200: a few seconds).
"""

from __future__ import annotations

import os
import threading
from urllib.parse import quote

import requests
from django.utils.encoding import iri_to_uri
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder import redirects, serve

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
NASTY = [" ", "\n", "\r", "\t", "#", "%", "%0A", "%2F", ":id", "*", "!", "?", "&", "é", "\u2028", "\x00", "\x7f",
         "//", "/", "..", "\ufeff", "301", "\U0001F600"]
segment = st.lists(st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=12)), min_size=1, max_size=8)
hostile_path = st.lists(segment.map("".join), min_size=1, max_size=6).map(lambda parts: "/" + "/".join(parts))
long_path = st.integers(min_value=900, max_value=5000).map(lambda n: "/" + "a" * n)


def api_redirect(old_path: str, target_path: str | None = None, url: str | None = None, permanent=True) -> dict:
    return {"oldPath": old_path, "isPermanent": permanent, "newUrl": url, "site": {"isDefaultSite": True},
            "page": {"urlPath": "/accueil" + target_path} if target_path is not None else None}


def check_file(text: str, rules: list[redirects.Rule]) -> None:
    lines = text.split("\n")
    assert lines[-1] == "", "the file ends with a newline"
    body = [line for line in lines[:-1] if not line.startswith("#")]
    assert len(body) == len(rules), "one line per rule, no line split by a newline in a path"
    for line, rule in zip(body, rules):
        fields = line.split(" ")
        assert len(fields) == 3 and all(fields), line
        assert fields[2] in ("301", "302")
        for value in fields[:2]:
            assert value.isascii() and value.isprintable(), value
            assert "#" not in value and "*" not in value and "\\" not in value
            assert not any(part.startswith(":") for part in value.split("/")), "no Netlify placeholder"
            assert value.startswith(("/", "http://", "https://"))
    assert redirects.parse(text) == {rule.source: rule for rule in rules}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(hostile_path, long_path), hostile_path, st.booleans()), max_size=6))
def test_hostile_paths_never_corrupt_the_file(items):
    api = [api_redirect(old, target, permanent=permanent) for old, target, permanent in items]
    rules, warnings = redirects.rules_from_api(api, "/accueil/", {"/", "/projets/"})
    text = redirects.render(rules)
    check_file(text, rules)
    kept = set()
    for old, target, _permanent in items:
        key = redirects.source_key(old)
        # Wagtail stores old paths as IRIs (non-ASCII decoded, the rest still percent-encoded): the address
        # a browser sends for one (its URI) leads to the same rule
        assert redirects.source_key(iri_to_uri(old)) == key
        left_out = ("?" in old or len(key) > redirects.MAX_PATH or key in ("/", "/projets")
                    or (key + "/").startswith("/donate/") or redirects.encode_path(target).rstrip("/") == key)
        if not left_out:
            kept.add(key)
    assert {rule.source for rule in rules} == kept


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=80), st.text(max_size=40))
def test_hostile_external_targets_are_one_field_or_left_out(host, path):
    for url in (f"https://{host}/{path}", f"http://exemple.org/{path}?q={host}#{path}", host, f"javascript:{path}"):
        rules, _ = redirects.rules_from_api([api_redirect("/ancienne", url=url)], "/accueil/", set())
        check_file(redirects.render(rules), rules)
        assert all(r.target.startswith(("http://", "https://")) for r in rules)


def test_the_local_server_answers_a_hostile_path_it_was_given(tmp_path):
    hostile = "/vieille page #2/été:id/*/fin!"
    rules, _ = redirects.rules_from_api([api_redirect(hostile, "/projets/puits/")], "/accueil/", set())
    redirects.write(rules, tmp_path)
    (tmp_path / "projets" / "puits").mkdir(parents=True)
    (tmp_path / "projets" / "puits" / "index.html").write_text("<h1>Puits</h1>")
    server = serve.make_server(tmp_path, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}" + iri_to_uri(quote(hostile, safe="/é"))
        answer = requests.get(url, allow_redirects=False, timeout=10)
        assert (answer.status_code, answer.headers["Location"]) == (301, "/projets/puits/")
        long = requests.get(f"http://127.0.0.1:{server.server_port}/" + "x" * 5000, timeout=10)
        assert long.status_code in (404, 414)
    finally:
        server.shutdown()


def test_long_and_query_paths_are_left_out_with_a_french_warning():
    rules, warnings = redirects.rules_from_api(
        [api_redirect("/" + "a" * 3000, "/projets/"), api_redirect("/liste?page=2", "/projets/")], "/accueil/", set())
    assert rules == []
    assert len(warnings) == 2 and "caractères" in warnings[0] and "paramètres" in warnings[1]


def test_redirects_of_other_sites_and_loops_are_left_out():
    other = dict(api_redirect("/ailleurs", "/projets/"), site={"isDefaultSite": False})
    loop = api_redirect("/projets/puits", "/projets/puits/")
    rules, _ = redirects.rules_from_api([other, loop, api_redirect("/a", "/b/"), api_redirect("/a", "/c/")],
                                        "/accueil/", set())
    assert [r.line() for r in rules] == ["/a /b/ 301"]
