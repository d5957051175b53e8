"""The render's and the API's CPU savings (issue 12 §4) change no byte of what they produce.

- the theme rendered with site_builder/render_speed.py (dict-first getattr, quick escaping, the donation form
  reused across stories) writes the same files as Jinja's own getattr and escaping with every fragment
  rendered anew, on a site whose texts hold what escaping must handle;
- each piece on its own, with Hypothesis, against what it replaces;
- cms/api/execution.py's executor answers what graphql-core's answers, nulls and errors included.
"""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import jinja2
import pytest
from graphql import GraphQLError, build_schema, execute, parse
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from cms.api.execution import SyncExecutionContext
from site_builder import pelican_plugin
from site_builder.build import make_site, render
from site_builder.config import BuildConfig
from site_builder.render_speed import FragmentMemo, QuickEscapeTemplate, dict_first_getattr, quick_escape

HOSTILE = "<script>alert('x')</script> & \"guillemets\" « Noël » l’été"


def page(page_id, content_type, url_path, **fields):
    return {"id": str(page_id), "title": f"Page {page_id} {HOSTILE}", "slug": url_path.strip("/").split("/")[-1],
            "urlPath": url_path, "contentType": content_type, **fields}


def project(page_id, slug, currency="EUR", status="ongoing", amounts=()):
    return page(page_id, "projects.ProjectPage", f"/accueil/projets/{slug}/", summary=f"Résumé {HOSTILE}",
                currency=currency, status=status, statusLabel="En cours", goalAmount=500000,
                suggestedAmounts=[{"amount": a, "label": f"{a} {HOSTILE}"} for a in amounts],
                theme={"name": "Eau", "slug": "eau", "color": "#123456"}, country="BF", countryName="Burkina Faso",
                body=[], keyFigures=[], budgetLines=[], galleryImages=[], partners=[], updates=[])


def story(page_id, related=()):
    return page(page_id, "stories.StoryPage", f"/accueil/histoires/h-{page_id}/", date=f"2026-03-{page_id % 28 + 1:02d}",
                author=f"Awa {HOSTILE}", intro=f"Introduction {HOSTILE}", tags=[{"name": "Santé & <eau>"}],
                relatedProjects=[{"id": str(r)} for r in related],
                body=[{"field": "heading", "blockType": "HeadingBlock", "id": f"b{page_id}", "text": HOSTILE,
                       "level": 2},
                      {"field": "quote", "blockType": "QuoteBlock", "id": f"q{page_id}", "text": HOSTILE,
                       "attribution": "Mariam", "role": "<b>infirmière</b>"}])


def sample_site():
    pages = [page(1, "core.HomePage", "/accueil/", intro=f"Bienvenue {HOSTILE}", body=[]),
             page(2, "projects.ProjectIndexPage", "/accueil/projets/", intro=""),
             page(3, "stories.StoryIndexPage", "/accueil/histoires/", intro=""),
             project(10, "puits", amounts=(1500, 4000)), project(11, "ecole", currency="XOF", amounts=(5000,)),
             project(12, "clinique", status="completed"), project(13, "toits")]
    related = [(10,), (10,), (11,), (12,), (12, 13), (), (13, 10), (11,), (10,), ()]
    pages += [story(100 + i, r) for i, r in enumerate(related)]
    globals_ = {"donationRules": [{"currency": "EUR", "minAmount": 500, "maxAmount": 1000000, "feeRateBp": 150,
                                   "feeFixed": 25, "suggestions": [2000, 5000]}]}
    return make_site(pages, globals_, BuildConfig(api_url="http://cms/graphql/", base_url="https://www.example.org"))[0]


def files_of(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_the_speedups_write_the_same_bytes_as_jinja_alone(tmp_path, monkeypatch):
    data = sample_site()
    memos = []
    original = pelican_plugin.ApiPagesGenerator.generate_context

    def keep_memo(self):
        original(self)
        memos.append(self.memo)

    monkeypatch.setattr(pelican_plugin.ApiPagesGenerator, "generate_context", keep_memo)
    fast = render(data, tmp_path / "fast", workers=1)
    monkeypatch.setattr(pelican_plugin.ApiPagesGenerator, "speedups", False)
    plain = render(data, tmp_path / "plain", workers=1)
    assert fast["errors"] == plain["errors"] == []
    names = files_of(tmp_path / "plain")
    assert files_of(tmp_path / "fast") == names
    assert len([n for n in names if n.startswith("histoires/h-")]) == 10
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "plain", tmp_path / "fast", names, shallow=False)
    assert mismatch == [] and errors == []
    # not vacuous: the fast render did reuse forms, and the pages show what the speedups touch
    assert memos[0].enabled and memos[0].hits >= 3 and not memos[1].enabled and memos[1].hits == 0
    html = (tmp_path / "fast" / "histoires" / "h-106" / "index.html").read_text()
    assert 'name="project" value="toits"' in html and "&lt;script&gt;" in html and "<script>alert" not in html
    xof = (tmp_path / "fast" / "histoires" / "h-102" / "index.html").read_text()
    assert 'name="currency" value="XOF"' in xof and 'value="5000"' in xof


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["title", "get", "items", "keys", "__class__", "url", "", "pop"]) | st.text(),
                       st.integers() | st.text() | st.none(), max_size=6),
       st.sampled_from(["title", "get", "items", "keys", "__class__", "url", "", "pop", "missing", "__len__"]))
def test_dict_first_getattr_answers_what_jinja_answers(mapping, attribute):
    env = jinja2.Environment(autoescape=True)
    fast = dict_first_getattr(env)
    subclass = type("Sub", (dict,), {"title": "from the class"})(mapping)
    for obj in (mapping, subclass, [1, 2], "texte", None):
        expected, got = env.getattr(obj, attribute), fast(obj, attribute)
        if isinstance(expected, jinja2.Undefined):
            assert isinstance(got, jinja2.Undefined) and type(got) is type(expected)
            assert got._undefined_name == expected._undefined_name and got._undefined_obj is expected._undefined_obj
        else:
            assert got == expected and type(got) is type(expected)


class Html:
    def __html__(self):
        return "<b>sûr</b>"


@settings(max_examples=300, deadline=None)
@given(st.text() | st.integers() | st.floats(allow_nan=False) | st.none() | st.builds(Markup, st.text())
       | st.just(Html()))
def test_quick_escape_is_markupsafe_escape(value):
    expected, got = escape(value), quick_escape(value)
    assert got == expected and type(got) is Markup is type(expected)


def test_templates_use_quick_escape_and_escape_alike():
    source = "{{ a }}|{{ b }}|{{ c }}|{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m(a) }}"
    values = {"a": HOSTILE, "b": Markup("<i>ok</i>"), "c": 3}
    plain = jinja2.Environment(autoescape=True).from_string(source).render(**values)
    env = jinja2.Environment(autoescape=True)
    env.template_class = QuickEscapeTemplate
    template = env.from_string(source)
    assert template.root_render_func.__globals__["escape"] is quick_escape
    assert template.render(**values) == plain and "&lt;script&gt;" in plain and "<i>ok</i>" in plain


def test_fragment_memo_renders_once_per_key_and_never_keeps_an_unhashable_key():
    calls = []

    def caller():
        calls.append(1)
        return Markup(f"<p>{len(calls)}</p>")

    memo = FragmentMemo()
    assert memo("a", 1, caller=caller) == memo("a", 1, caller=caller) == "<p>1</p>"
    assert memo("a", 2, caller=caller) == "<p>2</p>" and memo.hits == 1
    assert memo(["list"], caller=caller) == "<p>3</p>" and memo(["list"], caller=caller) == "<p>4</p>"
    off = FragmentMemo(enabled=False)
    assert off("a", caller=caller) == "<p>5</p>" and off("a", caller=caller) == "<p>6</p>" and off.hits == 0


SCHEMA = build_schema("""
enum Colour { RED GREEN }
type Item { name: String! note: String count: Int colour: Colour flag: Boolean! big: Int score: Float }
type Query { items: [Item] item: Item! ok: String }
""")


class Boom(Exception):
    pass


VALUES = st.one_of(st.none(), st.text(max_size=5), st.integers(min_value=-2**40, max_value=2**40),
                   st.booleans(), st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["RED", "BLUE"]),
                   st.just(Boom("kaput")), st.just(GraphQLError("refusé")))
ITEM = st.fixed_dictionaries({f: VALUES for f in ("name", "note", "count", "colour", "flag", "big", "score")})


class Row(dict):
    """Each field's resolver raises the exception it holds, or answers its value (like a model's attribute)."""

    def __getattr__(self, name):
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        if isinstance(value, Exception):
            raise value
        return value


def field_resolver(source, info, **kwargs):
    return getattr(source, info.field_name) if isinstance(source, Row) else source.get(info.field_name)


@settings(max_examples=200, deadline=None)
@given(st.lists(ITEM, max_size=4), ITEM)
def test_the_sync_executor_answers_what_graphql_core_answers(items, item):
    document = parse("{ items { name note count colour flag big score __typename } item { name count } ok }")
    root = {"items": [Row(i) for i in items], "item": Row(item), "ok": "oui"}
    answers = [execute(SCHEMA, document, root_value=root, field_resolver=field_resolver, **extra)
               for extra in ({}, {"execution_context_class": SyncExecutionContext})]
    reference, fast = answers
    assert fast.data == reference.data
    assert json.dumps([e.formatted for e in fast.errors or []], sort_keys=True) == \
        json.dumps([e.formatted for e in reference.errors or []], sort_keys=True)


@pytest.mark.parametrize("value, error", [(None, "Cannot return null for non-nullable field Item.name."),
                                          (Boom("kaput"), "kaput"), (2**40, "Int cannot represent")])
def test_the_sync_executor_reports_errors_at_the_field(value, error):
    result = execute(SCHEMA, parse("{ item { name count } }"), execution_context_class=SyncExecutionContext,
                     root_value={"item": Row({"name": value, "count": value})}, field_resolver=field_resolver)
    assert any(error in e.message for e in result.errors)
