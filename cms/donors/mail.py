"""Every e-mail to a donor goes through `send`: one kind of message, one set of templates
(`donors/emails/<kind>.subject.txt`, `.txt`, `.html`), French first.

The interface is stable; the sending behind it moves to a background task on the worker's queue (a slow
mail server must never slow a request or a webhook)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a message of `kind`."""
    subject = render_to_string(f"donors/emails/{kind}.subject.txt", context).strip()
    return subject, render_to_string(f"donors/emails/{kind}.txt", context), \
        render_to_string(f"donors/emails/{kind}.html", context)


def send(kind: str, *, to: str, context: dict, donor=None, attachments: tuple = ()) -> None:
    """Send the message of `kind` to the address `to`. `donor`: the `donations.Donor` it concerns, if any
    (their preferences and the log of e-mails sent). `attachments`: (filename, bytes, mimetype) tuples."""
    subject, text, html = render(kind, context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
