"""`python -m cms.donors.mailbox`, the demo's local SMTP server: every message it receives is kept as an
.eml file a mail client opens, and it says so on its standard output."""

from __future__ import annotations

import email
import email.policy
import smtplib
import subprocess
import sys
from email.message import EmailMessage

from tests.conftest import REPO, free_port, wait_until


def test_the_mailbox_keeps_each_message_as_an_eml_file(tmp_path):
    port, folder = free_port(), tmp_path / "mail"
    log = tmp_path / "mailbox.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "cms.donors.mailbox", "--port", str(port), "--dir",
                                    str(folder)], cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "every message is kept" in log.read_text(), 30, "the mailbox did not start")
        for n in range(2):
            message = EmailMessage()
            message["From"], message["To"] = "dons@example.org", f"ada{n}@example.org"
            message["Subject"] = f"Merci pour votre don n°\u00a0{n}"
            message.set_content("Référence de votre don\u00a0: VDA-ABC234")
            message.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename="recu.pdf")
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                smtp.send_message(message)
        wait_until(lambda: len(list(folder.glob("*.eml"))) == 2, 10, "two .eml files")
    finally:
        process.terminate()
        process.wait(timeout=10)
    files = sorted(folder.glob("*.eml"))
    assert not list(folder.glob("*.part"))
    kept = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert [str(m["Subject"]).strip() for m in kept] == ["Merci pour votre don n°\u00a00", "Merci pour votre don n°\u00a01"]
    assert kept[0]["X-Envelope-To"] == "ada0@example.org" and "ada0@example.org" in files[0].name
    assert "VDA-ABC234" in kept[0].get_body(("plain",)).get_content()
    assert [p.get_filename() for p in kept[1].iter_attachments()] == ["recu.pdf"]
    printed = log.read_text()
    assert str(files[0]) in printed and "Merci pour votre don" in printed
