"""content/*.yaml blocks load through the blocks' own definitions (cms/core/content_streams.py).

The loader has no code per block type: any block (here, ones defined only in this test) loads from YAML that
mirrors it, stored as the admin would store it; a content author's mistake names the file, the block and
the field; and the demo content is stored exactly as before this loader (numbers in text fields as text,
left-out optional fields as "", default button label, documents, projects and images chosen by name).
"""

from __future__ import annotations

import shutil

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail import blocks

from cms.core.content_streams import ContentError, stream_value
from tests.conftest import CONTENT


class SurveyBlock(blocks.StructBlock):
    question = blocks.CharBlock()
    note = blocks.CharBlock(required=False)
    size = blocks.ChoiceBlock(choices=[("s", "S"), ("l", "L")], default="s")
    votes = blocks.IntegerBlock(required=False)
    shown = blocks.BooleanBlock(required=False)
    options = blocks.ListBlock(blocks.CharBlock())
    extra = blocks.StreamBlock([("aside", blocks.TextBlock())], required=False)

    class Meta:
        yaml_aliases = {"prompt": "question"}


STREAM = blocks.StreamBlock([("survey", SurveyBlock()), ("text", blocks.RichTextBlock())])


def no_chooser(block, reference, fields, where):
    raise AssertionError("no chooser in these blocks")


def prepared(items, stream_block=STREAM):
    """What the StreamField would store for `items`, without the block ids Wagtail draws at random."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k != "id"}
        return [strip(x) for x in v] if isinstance(v, list) else v
    value = stream_value(stream_block, items, "stories/x.yaml", no_chooser)
    return strip(stream_block.get_prep_value(value))


def test_a_block_unknown_to_the_loader_loads_from_yaml_that_mirrors_it():
    assert prepared([
        {"type": "survey", "value": {"prompt": "Combien ?", "votes": 12, "options": ["un", 2],
                                     "extra": [{"type": "aside", "value": "Note\n"}]}},
        {"type": "text", "value": "<p>Bonjour</p>\n"},
    ]) == [
        {"type": "survey", "value": {"question": "Combien ?", "note": "", "size": "s", "votes": 12, "shown": False,
                                     "options": [{"type": "item", "value": "un"}, {"type": "item", "value": "2"}],
                                     "extra": [{"type": "aside", "value": "Note\n"}]}},
        {"type": "text", "value": "<p>Bonjour</p>\n"},  # strings are kept as written, newline included
    ]


@pytest.mark.parametrize("items, message", [
    ([{"type": "sondage", "value": {}}], "stories/x.yaml, block 1 (sondage): unknown block type 'sondage' "
                                         "(known: survey, text)"),
    ([{"type": "survey", "value": {"prompt": "?", "option": ["a"]}}],
     "stories/x.yaml, block 1 (survey): unknown field 'option' (fields: question, note, size, votes, shown, "
     "options, extra)"),
    ([{"type": "survey", "value": {"options": ["a"]}}], "stories/x.yaml, block 1 (survey), question: required"),
    ([{"type": "survey", "value": {"question": "?", "prompt": "?", "options": ["a"]}}],
     "stories/x.yaml, block 1 (survey): 'question' is given twice"),
    ([{"type": "survey", "value": "Combien ?"}], "stories/x.yaml, block 1 (survey): expected the fields question"),
    ([{"type": "survey", "value": {"question": "?", "options": "a, b"}}],
     "stories/x.yaml, block 1 (survey), options: expected a list"),
    ({"type": "text"}, "stories/x.yaml: expected a list of blocks"),
])
def test_a_content_mistake_names_the_file_the_block_and_the_field(items, message):
    with pytest.raises(ContentError) as raised:
        prepared(items)
    assert str(raised.value).startswith(message)


@pytest.mark.django_db
def test_a_misspelt_field_in_the_demo_content_is_a_clear_error_and_loads_nothing(tmp_path):
    from cms.projects.models import ProjectPage

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    project = content / "projects" / "cantines-scolaires-garoua.yaml"
    text = project.read_text(encoding="utf-8")
    assert "      credit: \"Illustration : Vision d'Amour\"" in text
    project.write_text(text.replace("      credit: \"Illustration : Vision d'Amour\"",
                                    "      credits: \"Illustration : Vision d'Amour\"", 1), encoding="utf-8")
    with pytest.raises(CommandError, match=r"projects/cantines-scolaires-garoua\.yaml, block \d+ \(image\): "
                                           r"unknown field 'credits'"):
        call_command("load_content", str(content))
    assert not ProjectPage.objects.exists()


def raw(page, field="body") -> list[dict]:
    return list(getattr(page, field).raw_data)


def of_type(stream: list[dict], kind: str) -> list[dict]:
    return [b["value"] for b in stream if b["type"] == kind]


@pytest.mark.django_db
def test_the_demo_content_is_stored_as_the_admin_stores_it():
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    from cms.projects.models import ProjectPage
    from cms.stories.models import StoryPage

    call_command("load_content", str(CONTENT))
    titles = yaml.safe_load((CONTENT / "images.yaml").read_text(encoding="utf-8"))
    by_title = dict(get_image_model().objects.values_list("title", "pk"))
    image = {name.rsplit(".", 1)[0]: by_title[info["title"]] for name, info in titles.items()}

    garoua = ProjectPage.objects.get(slug="cantines-scolaires-garoua")
    assert of_type(raw(garoua), "key_figure")[0] == {  # YAML `value: 145` and `label:`
        "value": "145", "unit": "FCFA", "text": "suffisent pour un repas chaud et équilibré, soit environ 22 centimes "
                                                "d'euro"}
    photos = [raw(u, "photos") for u in garoua.updates.all() if raw(u, "photos")]
    assert photos and photos[0][0]["type"] == "image"
    assert photos[0][0]["value"] == {"image": image["foyer-ameliore"], "caption": "", "credit": ""}

    report = StoryPage.objects.get(slug="rapport-annuel-2025")
    body = raw(report)
    assert all(b.get("id") for b in body)
    assert of_type(body, "heading")[0] == {"text": "Nos comptes, en toute transparence", "level": "2"}
    document = get_document_model().objects.get(title="Rapport annuel 2025")
    assert of_type(body, "document") == [{"document": document.pk, "title": "Rapport annuel 2025"}]
    kaffrine = ProjectPage.objects.get(slug="forage-solaire-kaffrine")
    assert of_type(body, "cta") == [{
        "text": "Merci à chacune et chacun d'entre vous. En 2026, le forage de Ndiobène a besoin de vous pour couler.",
        "button_label": "Soutenir le forage", "project": kaffrine.pk}]

    jacmel = StoryPage.objects.get(slug="jacmel-la-derniere-cle")
    items = of_type(raw(jacmel), "gallery")[0]
    assert all(item["type"] == "item" and item["id"] for item in items)
    assert items[0]["value"] == {"image": image["maison-en-construction"],
                                 "caption": "Les murs montent, chaînage après chaînage."}
    video = of_type(raw(jacmel), "video")[0]
    assert video["poster"] == image["maison-terminee"] and video["url"] == "https://vimeo.com/824615397"

    quotes = [q for page in [*ProjectPage.objects.all(), *StoryPage.objects.all()] for q in of_type(raw(page), "quote")]
    assert quotes and all(isinstance(q["role"], str) for q in quotes)  # a role left out is "", never null
    ctas = [c for page in StoryPage.objects.all() for c in of_type(raw(page), "cta")]
    assert ctas and all(c["button_label"] for c in ctas)
