"""Whether a document's bytes are what its extension promises, and harmless once it is published.

The CMS and the site serve documents as downloads with `nosniff`, so a browser never renders them; these
checks are the other half: what the site publishes is a real PDF, a real Office or OpenDocument file, or
plain text, so that no reader's software (a PDF reader, an office suite, an old browser that sniffs)
meets a web page or a zip bomb under a trusted name. SiteDocumentField (validation.py) turns a
ContentRefused into the French message of its code.
"""

from __future__ import annotations

import os
import re
import zipfile

from django.conf import settings

MiB = 1024 * 1024
OOXML = {  # extension -> the content type of its main part, as [Content_Types].xml declares it
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
ODF = {"odt": b"application/vnd.oasis.opendocument.text",
       "ods": b"application/vnd.oasis.opendocument.spreadsheet"}
ZIP_MAGIC = b"PK\x03\x04"
# Markup a browser (or an old one's content sniffing) would render or run. Matched on bytes, case-insensitive,
# as a tag opening: `<script>`, `<svg …`, `<iframe/` (PDF's `<<` dictionaries and XMP's `<x:xmpmeta` never match).
ACTIVE_MARKUP = re.compile(rb"<(?:!doctype|html|head|body|script|iframe|frame|frameset|object|embed|applet|svg|"
                           rb"math|meta|base|link|style|form|img|video|audio|source|template)(?=[\s/>])",
                           re.IGNORECASE)
STARTS_WITH_TAG = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<[!?/a-z]", re.IGNORECASE)
PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")


class ContentRefused(Exception):
    """What is wrong with a document's bytes: an error code of SiteDocumentField and its parameters."""

    def __init__(self, code: str = "content_mismatch", **params):
        super().__init__(code)
        self.code, self.params = code, params


def archive_limits() -> dict:
    return {"size": getattr(settings, "DOCUMENT_ARCHIVE_MAX_UNCOMPRESSED_SIZE", 100 * MiB),
            "ratio": getattr(settings, "DOCUMENT_ARCHIVE_MAX_COMPRESSION_RATIO", 100),
            "entries": getattr(settings, "DOCUMENT_ARCHIVE_MAX_ENTRIES", 10_000)}


def check_document_content(extension: str, f) -> None:
    """Raises ContentRefused unless the bytes of `f` are what its extension promises, and harmless.

    PDF: `%PDF-1.x` or `%PDF-2.x` at byte 0, and no HTML, SVG or script tag in the first kilobyte. Readers
    accept the marker anywhere in that kilobyte, but every real PDF writer puts it at byte 0, and tolerating a
    prefix is what let an HTML page that mentions `%PDF-` pass as a PDF; the markup check refuses the
    reverse polyglot (`%PDF-1.7` then `<html>`) that content-sniffing browsers could render.
    Text and CSV: no NUL byte (a binary file), not starting with a tag of any kind, and no HTML, SVG or
    script tag in the first 64 KB: a note or a spreadsheet export never needs one.
    Office and OpenDocument: see check_archive."""
    f.seek(0)
    head = f.read(65536)
    f.seek(0)
    try:
        if extension == "pdf":
            if not PDF_HEADER.match(head):
                raise ContentRefused()
            if ACTIVE_MARKUP.search(head[:1024]):
                raise ContentRefused("pdf_web_content")
        elif extension in OOXML or extension in ODF:
            if not head.startswith(ZIP_MAGIC):
                raise ContentRefused()
            check_archive(extension, f)
        elif extension in ("csv", "txt"):
            if b"\x00" in head:
                raise ContentRefused()
            if STARTS_WITH_TAG.match(head) or ACTIVE_MARKUP.search(head):
                raise ContentRefused("text_web_content")
        # another extension allowed in settings: the extension check is all we know
    finally:
        f.seek(0)


def check_archive(extension: str, f) -> None:
    """An Office or OpenDocument file is a ZIP archive: refuse it, without inflating it, when it would
    inflate beyond DOCUMENT_ARCHIVE_MAX_UNCOMPRESSED_SIZE in all, when an entry (or the whole) is compressed
    more than DOCUMENT_ARCHIVE_MAX_COMPRESSION_RATIO times (real documents stay under 20; zip bombs are in
    the thousands), when it holds more than DOCUMENT_ARCHIVE_MAX_ENTRIES entries, or an archive inside an
    embedded archive (a chart's workbook inside a report is normal; a third level is not); then check it
    really is that format: its manifest declares the main part of a Word, Excel or PowerPoint document
    (macro-enabled ones are refused), or its `mimetype` entry names the OpenDocument type.
    Sizes come from the central directory; nothing is inflated except the manifest (at most 1 MiB), the
    first bytes of each entry (to find nested archives) and nested archives themselves (bounded above)."""
    limits = archive_limits()
    entries, stored = central_directory_entries(f)
    if entries is None:
        raise ContentRefused()
    if entries > limits["entries"]:
        raise ContentRefused("archive_entries", count=entries, max=limits["entries"])
    try:
        with zipfile.ZipFile(f) as archive:
            budget = {"entries": 0, "size": 0, "stored": max(stored, 1)}
            _inspect_archive(archive, budget, limits, depth=0)
            names = set(archive.namelist())
            if extension in OOXML:
                manifest = _small_entry(archive, "[Content_Types].xml", MiB)
                pattern = rb"""ContentType\s*=\s*["']""" + re.escape(OOXML[extension]) + rb"""["']"""
                if manifest is None or not re.search(pattern, manifest):
                    raise ContentRefused()
            else:
                mimetype = _small_entry(archive, "mimetype", 1024)
                if mimetype is None or mimetype.strip() != ODF[extension] or "META-INF/manifest.xml" not in names:
                    raise ContentRefused()
    except ContentRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError, ValueError,
            RuntimeError, NotImplementedError) as exc:  # damaged, encrypted or exotic archives
        raise ContentRefused() from exc


def central_directory_entries(f) -> tuple[int | None, int]:
    """The entry count the archive's end record declares (ZIP64 included), read before zipfile builds an
    object per entry: a 50 MB upload could otherwise declare a million entries. And the file's size."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(max(0, size - 65557))  # the end record (22 bytes) and its comment (65,535 at most)
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None, size
    entries = int.from_bytes(tail[at + 10:at + 12], "little")
    if entries == 0xFFFF and at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":  # ZIP64 locator
        f.seek(int.from_bytes(tail[at - 12:at - 4], "little"))
        record = f.read(56)
        if not record.startswith(b"PK\x06\x06"):
            return None, size
        entries = int.from_bytes(record[32:40], "little")
    f.seek(0)
    return entries, size


def _inspect_archive(archive: zipfile.ZipFile, budget: dict, limits: dict, depth: int) -> None:
    grace = MiB  # small entries may compress very well (an empty sheet's styles) without harm
    for info in archive.infolist():
        budget["entries"] += 1
        budget["size"] += info.file_size
        if budget["entries"] > limits["entries"]:
            raise ContentRefused("archive_entries", count=budget["entries"], max=limits["entries"])
        if budget["size"] > limits["size"]:
            raise ContentRefused("archive_too_large", size=budget["size"], max=limits["size"])
        if info.file_size > grace and info.file_size > limits["ratio"] * max(info.compress_size, 1):
            raise ContentRefused("archive_ratio", ratio=limits["ratio"])
        if info.is_dir() or info.file_size < len(ZIP_MAGIC):
            continue
        with archive.open(info) as member:
            if member.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
                continue
        if depth >= 1:
            raise ContentRefused("archive_nested")
        with archive.open(info) as member, zipfile.ZipFile(member) as inner:  # inflates it: bounded above
            _inspect_archive(inner, budget, limits, depth + 1)
    if budget["size"] > grace and budget["size"] > limits["ratio"] * budget["stored"]:
        raise ContentRefused("archive_ratio", ratio=limits["ratio"])


def _small_entry(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return archive.read(info) if info.file_size <= limit else None
