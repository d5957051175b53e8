"""Project news by e-mail (issue 14 §4): publishing a project page with a new update e-mails the project's
paying donors who opted in, once, through the worker and a real SMTP server (tests/smtp_server.py), with
RFC 8058's List-Unsubscribe headers; the one-click POST turns the news off without a sign-in; forged tokens
are refused with nothing written (Hypothesis); the opt-in comes from a paid gift's checkbox or the donor
space; erased and opted-out donors get nothing; the send report counts from the mail log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from cms.donations.models import Donation, Donor
from cms.donors import news
from cms.donors.models import MailPreferences, SentEmail, UpdateAnnouncement
from cms.projects.models import ProjectUpdate
from tests import factories
from tests.receipt_helpers import donation, donor, pay
from tests.smtp_server import html_of, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    tree = factories.make_site()
    return factories.make_project(tree, title="Le puits de Kaya", slug="puits")


def supporter(project, email, *, opted_in=True, status="succeeded", frequency="once"):
    who = donor(email=email, name="Awa Diallo")
    gift = donation(who, project=project, project_slug=project.slug, frequency=frequency)
    if status != "succeeded":
        Donation.objects.filter(pk=gift.pk).update(status=status)
    if opted_in:
        MailPreferences.objects.create(donor=who, project_news=True)
    return who


def publish_update(project, capture, title="Le forage a atteint l'eau", when=None):
    page = project.__class__.objects.get(pk=project.pk)
    page.updates.add(ProjectUpdate(date=when or dt.date(2026, 11, 28), title=title,
                                   text='<p>À <b>42 mètres</b>, l\'eau est là. <a href="/projets/">Nos projets</a></p>'))
    with capture(execute=True):
        page.save_revision().publish()
    return page


def test_a_new_update_reaches_the_donors_who_asked_once_with_the_one_click_headers(
        project, django_capture_on_commit_callbacks, run_worker, smtp_mailbox, client):
    supporter(project, "awa@example.org")
    supporter(project, "sponsor@example.org", status="active", frequency="monthly")
    supporter(project, "nonews@example.org", opted_in=False)
    supporter(project, "pending@example.org", status="pending")
    supporter(project, "refused@example.org", status="failed")
    erased = supporter(project, "erased@example.org")
    Donor.objects.filter(pk=erased.pk).update(email="efface-9@efface.invalid")
    tree = {"theme": project.theme, "projects": project.get_parent()}
    other = factories.make_project(tree, title="Ailleurs", slug="ailleurs")
    supporter(other, "other@example.org")

    publish_update(project, django_capture_on_commit_callbacks)
    run_worker()
    received = sorted(m["To"] for m in smtp_mailbox.find())
    assert received == ["awa@example.org", "sponsor@example.org"]

    message = smtp_mailbox.wait_for(to="awa@example.org")
    assert "Le forage a atteint l'eau" in str(message["Subject"]) and "Le puits de Kaya" in str(message["Subject"])
    unsubscribe = re.fullmatch(r"<(https?://[^>]+/donate/nouvelles/desabonnement/[^/>]+/)>",
                               str(message["List-Unsubscribe"]).strip())
    assert unsubscribe, message["List-Unsubscribe"]
    assert str(message["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    text, html = text_of(message), html_of(message)
    assert text.index("Bonjour") < text.index("In English")  # French first
    assert "42 mètres" in text and "28 novembre 2026" in text and "/projets/puits/" in text
    assert unsubscribe.group(1) in text and unsubscribe.group(1) in html
    assert "<b>42 mètres</b>" in html and "style=" in html and "<img" not in html
    assert 'href="http://' in html and 'href="/' not in html  # every link absolute, to the site

    rows = SentEmail.objects.filter(kind="project_news")
    assert rows.count() == 2 and set(rows.values_list("status", flat=True)) == {"sent"}
    announcement = UpdateAnnouncement.objects.get()
    assert news.report(announcement) == {"recipients": 2, "sent": 2, "failed": 0, "queued": 0}

    # published again (the same update, and a change elsewhere): nothing more is sent
    smtp_mailbox.clear()
    page = project.__class__.objects.get(pk=project.pk)
    page.summary = "Un résumé revu"
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    run_worker()
    assert smtp_mailbox.find() == [] and SentEmail.objects.filter(kind="project_news").count() == 2
    assert UpdateAnnouncement.objects.count() == 1

    # the one-click POST, as a mail client sends it: no CSRF token, no session
    path = unsubscribe.group(1).split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path, "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    awa = Donor.objects.get(email="awa@example.org")
    assert MailPreferences.of(awa).project_news is False

    # the next update goes to the sponsor only
    publish_update(project, django_capture_on_commit_callbacks, title="La pompe est posée",
                   when=dt.date(2026, 11, 30))
    run_worker()
    assert [m["To"] for m in smtp_mailbox.find()] == ["sponsor@example.org"]


def test_the_get_page_changes_nothing_and_its_button_unsubscribes(client, project):
    who = supporter(project, "awa@example.org")
    url = f"/donate/nouvelles/desabonnement/{news.unsubscribe_token(who.pk)}/"
    page = client.get(url)
    assert page.status_code == 200 and "Me désabonner" in page.content.decode()
    assert MailPreferences.of(who).project_news is True
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200  # the page's own button
    who.refresh_from_db()
    assert MailPreferences.of(who).project_news is False


def test_forged_tokens_are_refused_and_nothing_is_written(client, project):
    who = supporter(project, "awa@example.org")
    good = news.unsubscribe_token(who.pk)
    forged = news.unsubscribe_token(who.pk).rsplit(":", 1)[0] + ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    other_list = __import__("django.core.signing", fromlist=["Signer"]).Signer(salt=news.TOKEN_SALT).sign_object(
        {"d": who.pk, "l": "newsletter"})
    for token in (forged, good[:-3], other_list, "x", good.replace(":", "")):
        response = client.post(f"/donate/nouvelles/desabonnement/{token}/", "List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400, token
        assert "pas valide" in response.content.decode()
    gone = news.unsubscribe_token(who.pk + 1000)
    assert client.post(f"/donate/nouvelles/desabonnement/{gone}/", "List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded").status_code == 404
    wrong_body = client.post(f"/donate/nouvelles/desabonnement/{good}/", "unsubscribe=yes",
                             content_type="application/x-www-form-urlencoded")
    assert wrong_body.status_code == 400
    assert MailPreferences.of(Donor.objects.get(pk=who.pk)).project_news is True


@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(alphabet=st.characters(blacklist_characters="/", blacklist_categories=("Cs",)),
                     min_size=1, max_size=120),
       body=st.binary(max_size=80), method=st.sampled_from(["get", "post"]))
def test_hostile_unsubscribe_requests_never_fail_and_write_nothing(client, project, token, body, method):
    who = Donor.objects.filter(email="awa@example.org").first() or supporter(project, "awa@example.org")
    url = f"/donate/nouvelles/desabonnement/{token}/"
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 301, 400, 404, 405), response.status_code  # 301: a "?" ends the path
    assert MailPreferences.of(Donor.objects.get(pk=who.pk)).project_news is True


def test_the_form_checkbox_opts_in_once_the_gift_is_paid(project, django_capture_on_commit_callbacks):
    who = donor(email="awa@example.org")
    gift = donation(who, project=project, project_slug=project.slug, project_news=True)
    assert MailPreferences.of(who).project_news is False  # asked, not paid yet
    with django_capture_on_commit_callbacks(execute=True):
        pay(gift)
    assert MailPreferences.objects.get(donor=who).project_news is True
    unasked = donor(email="ben@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        pay(donation(unasked, project=project, project_slug=project.slug))
    assert MailPreferences.of(unasked).project_news is False


def test_the_donor_space_edits_the_news_preference(client, project):
    from tests.donor_space_helpers import sign_in_as

    who = supporter(project, "awa@example.org", opted_in=False)
    sign_in_as(client, who)
    page = client.get("/donate/espace/preferences/")
    assert "Les nouvelles des projets que je soutiens" in page.content.decode()
    client.post("/donate/espace/preferences/", {"gift_thanks": "on", "project_news": "on"})
    assert MailPreferences.objects.get(donor=who).project_news is True
    client.post("/donate/espace/preferences/", {"gift_thanks": "on"})
    assert MailPreferences.objects.get(donor=who).project_news is False


def test_the_send_report_is_on_the_desk(client, project, django_capture_on_commit_callbacks, run_worker,
                                        smtp_mailbox):
    supporter(project, "awa@example.org")
    publish_update(project, django_capture_on_commit_callbacks)
    run_worker()
    user = User.objects.create_user("caisse", "caisse@example.org", "pw")
    user.groups.add(Group.objects.get(name="Dons"))
    client.force_login(user)
    listing = client.get("/admin/nouvelles/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Le forage a atteint l&#x27;eau" in html or "Le forage a atteint l'eau" in html
    assert "awa@example.org" not in html  # counts only
    editor = User.objects.create_user("redac", "r@example.org", "pw", is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/nouvelles/").status_code in (302, 403)
