"""The GraphQL contract: the builder's own query returns the shapes it needs, and nothing unpublished or
private ever appears. Abusive queries get a clear error."""

import json

import pytest

from site_builder.queries import SITE_PULL
from tests import factories

pytestmark = pytest.mark.django_db


def post(client, query, variables=None, *, build=False):
    """As an anonymous reader, or (build=True) as the site builder with its token."""
    from django.conf import settings

    headers = {"HTTP_AUTHORIZATION": f"Bearer {settings.SITE_BUILD_API_TOKEN}"} if build else {}
    response = client.post("/graphql/", json.dumps({"query": query, "variables": variables or {}}),
                           content_type="application/json", **headers)
    return response.status_code, response.json()


@pytest.fixture
def tree():
    return factories.make_site()


def test_site_pull_shapes(client, tree):
    project = factories.make_project(tree, title="Puits de Kaya", slug="puits")
    factories.make_story(tree, title="Awa et l'eau", slug="awa", project=project)
    factories.make_standard(tree)
    status, payload = post(client, SITE_PULL, build=True)
    assert status == 200, payload
    assert "errors" not in payload
    pages = {p["slug"]: p for p in payload["data"]["sitePages"]}
    assert {p["contentType"] for p in pages.values()} == {
        "core.HomePage", "projects.ProjectIndexPage", "stories.StoryIndexPage", "projects.ProjectPage",
        "stories.StoryPage", "core.StandardPage"}
    puits = pages["puits"]
    assert puits["urlPath"].endswith("/projets/puits/")
    assert puits["goalAmount"] == 4_000_000 and puits["currency"] == "EUR"
    assert puits["theme"] == {"name": "Eau", "slug": "eau", "color": "#1F6F8B"}
    assert puits["countryName"] == "Burkina Faso"
    assert [b["label"] for b in puits["budgetLines"]] == ["Forage", "Pompe"]
    hero = puits["heroImage"]
    assert hero["alt"] == "Une photo de test"
    formats = {(r["format"], r["width"]) for r in hero["siteRenditions"]}
    assert {("jpeg", 400), ("jpeg", 800), ("jpeg", 1200), ("webp", 400), ("webp", 800), ("webp", 1200)} <= formats
    story = pages["awa"]
    kinds = [b["field"] for b in story["body"]]
    assert kinds == ["rich_text", "image", "gallery", "quote", "video", "key_figure", "cta"]
    gallery = story["body"][2]
    assert gallery["blockType"] == "GalleryBlock" or gallery["items"]
    assert all(item["image"]["siteRenditions"] for item in gallery["items"])
    assert story["body"][4]["provider"] == "vimeo"
    assert story["relatedProjects"] == [{"id": str(project.pk)}]
    assert story["tags"] == [{"name": "eau"}]


def test_drafts_and_private_pages_never_appear(client, tree):
    live = factories.make_project(tree, title="Publié", slug="publie")
    draft = factories.make_project(tree, title="Brouillon secret", slug="brouillon", publish=False)
    private = factories.make_private(factories.make_story(tree, title="Histoire privée", slug="privee"))
    factories.make_story(tree, title="Histoire publique", slug="publique", project=draft)
    story_with_draft_cta = factories.make_story(tree, title="Appel", slug="appel", project=None)
    body = list(story_with_draft_cta.body.raw_data)
    body[-1]["value"]["project"] = draft.pk
    story_with_draft_cta.body = body
    story_with_draft_cta.save_revision().publish()

    status, payload = post(client, SITE_PULL, build=True)
    assert status == 200 and "errors" not in payload, payload
    text = json.dumps(payload)
    assert "Brouillon secret" not in text and "Histoire privée" not in text
    slugs = {p["slug"] for p in payload["data"]["sitePages"]}
    assert "publie" in slugs and "brouillon" not in slugs and private.slug not in slugs
    pages = {p["slug"]: p for p in payload["data"]["sitePages"]}
    assert pages["publique"]["relatedProjects"] == []  # the draft project is not revealed
    assert pages["appel"]["body"][-1]["project"] is None
    assert live.pk  # sanity: the live project was there all along


def test_grapple_page_query_hides_drafts_too(client, tree):
    factories.make_project(tree, title="Brouillon", slug="brouillon", publish=False)
    status, payload = post(client, '{ pages(limit: 100) { title } page(slug: "brouillon") { title } }')
    assert status == 200
    assert "Brouillon" not in json.dumps(payload["data"])


def test_too_deep_query_is_refused_with_a_clear_message(client, tree):
    deep = "{ pages { " + "children { " * 15 + "id" + " }" * 15 + " } }"
    status, payload = post(client, deep)
    assert status == 400
    assert "exceeds maximum operation depth" in payload["errors"][0]["message"]


def test_too_many_fields_are_refused(client, tree):
    aliases = " ".join(f"a{i}: pages {{ id title slug }}" for i in range(400))
    status, payload = post(client, "{ " + aliases + " }")
    assert status == 400
    assert "Query too large" in payload["errors"][0]["message"]


def test_malformed_query_is_a_400_not_a_500(client, tree):
    status, payload = post(client, "{ sitePages { ")
    assert status == 400
    assert payload["errors"][0]["message"].startswith("Syntax Error")
    response = client.post("/graphql/", "not json", content_type="application/json")
    assert response.status_code == 400


def test_totals_for_the_build_are_sums_without_personal_data(client, tree):
    import datetime as dt

    from cms.donations.models import Donation, Donor, LedgerEntry

    factories.make_project(tree, title="Puits", slug="puits")
    donor = Donor.objects.create(email="secret@example.org", name="Nom Secret")
    donation = Donation.objects.create(donor=donor, project_slug="puits", amount=5000, currency="EUR")
    now = dt.datetime.now(dt.timezone.utc)
    LedgerEntry.objects.create(donation=donation, kind="payment", amount=5000, currency="EUR", project_slug="puits",
                               stripe_object="pi_a", occurred_at=now)
    LedgerEntry.objects.create(donation=donation, kind="refund", amount=-1000, currency="EUR", project_slug="puits",
                               stripe_object="re_a", occurred_at=now)
    status, payload = post(client, "{ donationTotals { slug raised currency donors goal } "
                                   "siteTotals { raised currency donors } }")
    assert status == 200, payload
    assert payload["data"]["donationTotals"] == [
        {"slug": "puits", "raised": 4000, "currency": "EUR", "donors": 1, "goal": 4_000_000}]
    assert payload["data"]["siteTotals"] == {"raised": 4000, "currency": "EUR", "donors": 1}
    assert "secret" not in json.dumps(payload).lower()


def test_donation_rules_are_the_endpoints_own(client, tree, settings):
    settings.DONATION_LIMITS = {"EUR": (700, 900_000), "USD": (500, 1_000_000), "XOF": (1_000, 5_000_000),
                                "XAF": (1_000, 5_000_000)}
    status, payload = post(client, "{ donationRules { currency minAmount maxAmount feeRateBp feeFixed suggestions } }")
    assert status == 200, payload
    eur = next(r for r in payload["data"]["donationRules"] if r["currency"] == "EUR")
    assert eur == {"currency": "EUR", "minAmount": 700, "maxAmount": 900_000, "feeRateBp": 150, "feeFixed": 25,
                   "suggestions": [2500, 5000, 10000]}


def test_the_built_form_shows_the_endpoints_bounds():
    from site_builder.build import make_site
    from site_builder.config import BuildConfig

    rules = [{"currency": "EUR", "minAmount": 700, "maxAmount": 900_000, "feeRateBp": 150, "feeFixed": 25,
              "suggestions": [3000]}]
    config = BuildConfig(api_url="http://cms/graphql/", base_url="https://x.org")
    data, _media = make_site([], {"donationRules": rules}, config)
    assert data.site["donate"]["min_amount"] == {"EUR": 700}
    assert data.site["donate"]["max_amount"] == {"EUR": 900_000}
