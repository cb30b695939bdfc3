"""Every email the service sends is three templates and one call: send(name, context, to).

templates/emails/<name>-subject.txt, <name>-body.txt (the plain-text body, which every mail client can
show) and <name>-body.html (the same message in HTML beside it, for clients that show HTML). Keeping
the wording in templates lets a council change it without a code change, and keeps the two bodies
together so they say the same thing.

Django's own "forgotten password" page sends its email itself (registration/password_reset_email.html);
an admin's "send a password link" reuses that wording through the password-reset templates here.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template


def _render_plain(template_name: str, context: dict) -> str:
    # Subjects and text bodies are not HTML: escaping would turn "Children's" into "Children&#x27;s".
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def subject(template_name: str, context: dict) -> str:
    """The subject of emails/<template_name>, on one line (for a log written before the email is sent)."""
    return " ".join(_render_plain(f"emails/{template_name}-subject.txt", context).split())


def message(template_name: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    """The email emails/<template_name>-*: its subject, its text body, and its HTML body beside it."""
    text = _render_plain(f"emails/{template_name}-body.txt", context)
    html = get_template(f"emails/{template_name}-body.html").render(context)
    email = EmailMultiAlternatives(subject(template_name, context), text, settings.DEFAULT_FROM_EMAIL, list(to))
    email.attach_alternative(html, "text/html")
    return email


def send(template_name: str, context: dict, to: list[str]) -> None:
    """Send the email emails/<template_name>-* to `to`. The mail server's refusal is raised (smtplib's
    errors are OSErrors), so the caller decides what a failure means."""
    message(template_name, context, to).send()
