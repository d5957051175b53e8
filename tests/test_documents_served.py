"""Documents come out of the CMS as downloads that no browser renders: Wagtail's serve view
(/documents/<id>/<file>) answers `Content-Disposition: attachment` for every type, PDF included (Wagtail's
default shows PDFs inline), with `X-Content-Type-Options: nosniff` and `default-src 'none'`, whatever the
storage (local files, or S3, where Wagtail would otherwise redirect to the bucket's URL and its headers).
Every other CMS response carries `nosniff` too."""

from __future__ import annotations

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from wagtail.documents import get_document_model

pytestmark = pytest.mark.django_db

DOCUMENTS = {
    "rapport.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n",
    "notes.txt": b"Compte rendu de la mission de Kaya\n",
    "liste.csv": b"village;familles\nKaya;120\n",
    "budget.xlsx": b"PK\x03\x04 (the bytes do not matter to the serve view)",
}


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


class RemoteLikeStorage(InMemoryStorage):
    """Like S3: files have URLs but no path on this machine."""

    def _relative_path(self, name):  # InMemoryStorage finds its own files through path()
        return os.path.relpath(super().path(name), self.location)

    def path(self, name):
        raise NotImplementedError("no local path")


def make_document(name: str):
    return get_document_model().objects.create(title=name, file=ContentFile(DOCUMENTS[name], name=name))


def assert_downloaded(response, name: str):
    assert response.status_code == 200, response.status_code
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment"), f"{name}: {disposition!r} (a browser would render it)"
    assert name in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert b"".join(response.streaming_content) == DOCUMENTS[name]


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_every_document_is_served_as_an_attachment_with_nosniff(client, media_root, name):
    document = make_document(name)
    assert_downloaded(client.get(f"/documents/{document.id}/{document.filename}"), name)


@pytest.mark.parametrize("name", ["rapport.pdf", "notes.txt"])
def test_documents_on_storage_without_local_paths_go_through_the_view_too(client, monkeypatch, name):
    """S3 has URLs but no local paths: Wagtail's default there is a redirect to the bucket, whose headers
    it does not control. WAGTAILDOCS_SERVE_METHOD = "serve_view" keeps the download headers."""
    monkeypatch.setattr(get_document_model()._meta.get_field("file"), "storage", RemoteLikeStorage())
    document = make_document(name)
    with pytest.raises(NotImplementedError):
        document.file.path  # noqa: B018  (like S3: a URL, no path on this machine)
    response = client.get(f"/documents/{document.id}/{document.filename}")
    assert response.status_code != 302, f"redirected to {response.get('Location')}"
    assert_downloaded(response, name)


@pytest.mark.parametrize("path", ["/admin/login/", "/donate/totals.json", "/preview/", "/graphql/"])
def test_other_cms_responses_say_nosniff(client, path):
    response = client.get(path)
    assert response["X-Content-Type-Options"] == "nosniff", path
