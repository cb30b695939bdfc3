"""core.emails: an email is its three templates (subject, text body, HTML body beside it) and one call."""

import smtplib

import pytest
from django.core import mail

from core import emails


@pytest.fixture
def templates(tmp_path, settings):
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "note-subject.txt").write_text("A note\nfor {{ name }}\n")
    (folder / "note-body.txt").write_text("Dear {{ name }}, see {{ url }}\n")
    (folder / "note-body.html").write_text('<p>Dear {{ name }}, see <a href="{{ url }}">the page</a></p>\n')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    return folder


def test_send_renders_the_subject_on_one_line_and_both_bodies(templates, settings):
    context = {"name": "Children's & Families", "url": "https://example.gov.uk/a?b=1&c=2"}
    emails.send("note", context, ["ada@example.gov.uk"])
    [email] = mail.outbox
    assert email.to == ["ada@example.gov.uk"] and email.from_email == settings.DEFAULT_FROM_EMAIL
    assert email.subject == "A note for Children's & Families"
    assert email.body == "Dear Children's & Families, see https://example.gov.uk/a?b=1&c=2\n"  # not escaped
    [(html, kind)] = email.alternatives
    assert kind == "text/html"
    assert html == (
        '<p>Dear Children&#x27;s &amp; Families, see <a href="https://example.gov.uk/a?b=1&amp;c=2">the page</a></p>\n'
    )


def test_subject_is_the_one_the_email_is_sent_with(templates):
    assert emails.subject("note", {"name": "Ada"}) == "A note for Ada"


def test_a_refused_email_is_raised_to_the_caller(templates, monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"ada@example.gov.uk": (550, b"No such user")})

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(OSError):
        emails.send("note", {"name": "Ada"}, ["ada@example.gov.uk"])
    assert mail.outbox == []
