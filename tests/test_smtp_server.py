"""The tests' SMTP server receives what Django's SMTP backend sends, attachments included."""

from django.core.mail import EmailMultiAlternatives

from tests.smtp_server import attachments_of, html_of, text_of


def test_django_mail_reaches_the_local_smtp_server(smtp_mailbox):
    message = EmailMultiAlternatives("Merci pour votre don", "Bonjour Ada,", "dons@example.org",
                                     ["ada@example.org"])
    message.attach_alternative("<p>Bonjour Ada,</p>", "text/html")
    message.attach("recu-2026-000001.pdf", b"%PDF-1.4 test", "application/pdf")
    message.send()
    got = smtp_mailbox.wait_for(to="ada@example.org", subject="Merci")
    assert text_of(got).strip() == "Bonjour Ada,"
    assert "<p>Bonjour Ada,</p>" in html_of(got)
    assert attachments_of(got) == {"recu-2026-000001.pdf": b"%PDF-1.4 test"}
    assert smtp_mailbox.find(to="bob@example.org") == []
