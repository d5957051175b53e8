"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd): it keeps every message it receives, parsed, so a
test reads what a donor would find in their mailbox (headers, the plain and HTML parts, attachments).

    mailbox = Mailbox().start()       # or the `smtp_mailbox` fixture (tests/conftest.py)
    ... the code under test sends to EMAIL_HOST=127.0.0.1, EMAIL_PORT=mailbox.port ...
    message = mailbox.wait_for(to="ada@example.org", subject="Merci")
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.conftest import free_port


class _Keeper:
    def __init__(self, mailbox: "Mailbox"):
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        with self.mailbox.lock:
            self.mailbox.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class Mailbox:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self._controller = Controller(_Keeper(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> "Mailbox":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    @property
    def env(self) -> dict[str, str]:
        """The environment a CMS process needs to send here."""
        return {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "0"}

    def find(self, *, to: str | None = None, subject: str | None = None) -> list[EmailMessage]:
        """Messages received so far, to the address `to` (among the envelope's recipients) and whose subject
        contains `subject`, oldest first."""
        with self.lock:
            return [m for rcpts, m in self.messages
                    if (to is None or to.lower() in (r.lower() for r in rcpts))
                    and (subject is None or subject in str(m["Subject"]))]

    def wait_for(self, *, to: str | None = None, subject: str | None = None, timeout: float = 20,
                 count: int = 1) -> EmailMessage:
        """The `count`-th such message, once it has arrived (AssertionError after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find(to=to, subject=subject)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        with self.lock:
            seen = [(r, str(m["Subject"])) for r, m in self.messages]
        raise AssertionError(f"no message to {to!r} about {subject!r} within {timeout} s; received: {seen}")


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def attachments_of(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}
