"""A local SMTP server that keeps every message it receives, for `make demo`: nothing leaves the machine,
and each e-mail the platform sends is a file to open.

    python -m cms.donors.mailbox --port 1025 --dir var/mail

Each message is written as `<dir>/<UTC time>-<n>-<kind of recipient>.eml` (RFC 5322, what any mail client
opens; a text editor shows it too), written to a temporary name first and renamed, so a reader never sees
half a message. One line per message goes to the standard output: time, recipients, subject, file.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import os
import re
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.controller import Controller

SAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


class Keeper:
    """aiosmtpd handler: every message accepted is written to `directory`."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        with self.lock:
            n = next(self.counter)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
        first = SAFE.sub("_", (envelope.rcpt_tos or ["inconnu"])[0])[:60]
        target = self.directory / f"{stamp}-{n:05d}-{first}.eml"
        partial = target.with_suffix(".eml.part")
        # The envelope, as a mail server records it, then the message as received.
        header = (f"X-Envelope-From: {envelope.mail_from}\r\n"
                  f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n").encode("utf-8", "replace")
        partial.write_bytes(header + content)
        os.replace(partial, target)
        subject = str(email.message_from_bytes(content, policy=email.policy.default).get("Subject", "")).strip()
        print(f"{stamp} to {', '.join(envelope.rcpt_tos)}: {subject} -> {target}", flush=True)
        return "250 Message accepted for delivery"


def serve(host: str, port: int, directory: Path) -> Controller:
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keeper(directory), hostname=host, port=port)
    controller.start()
    return controller


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path("var/mail"), help="where each message is written")
    args = parser.parse_args(argv)
    controller = serve(args.host, args.port, args.dir)
    print(f"SMTP on {args.host}:{args.port}: every message is kept in {args.dir.resolve()}/", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.is_set():
            time.sleep(0.2)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
