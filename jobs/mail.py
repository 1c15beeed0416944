"""E-mail through Flask-Mailman (Django's mail API): plain text plus HTML, one small module.

Settings from the environment (config.py): MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD,
MAIL_USE_TLS, MAIL_DEFAULT_SENDER. Without MAIL_SERVER nothing is sent: each message is written
to the log, so ``make run`` works with no mail server and a developer still sees what would go.
"""

from flask import current_app
from flask_mailman import EmailMultiAlternatives, Mail

mail = Mail()


def init_app(app):
    mail.init_app(app)


def send(to: str, subject: str, text: str, html: str | None = None, language: str | None = None,
         attachments: list[tuple[str, bytes, str]] | None = None) -> None:
    """Send one message to one address (raises on an SMTP failure, so that the job retries);
    ``attachments`` are (file name, bytes, MIME type)."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to],
                                     from_email=current_app.config["MAIL_DEFAULT_SENDER"])
    for name, data, mimetype in attachments or ():
        message.attach(name, data, mimetype)
    if language:
        message.extra_headers["Content-Language"] = language
    if html:
        message.attach_alternative(html, "text/html")
    if not current_app.config.get("MAIL_SERVER"):
        # A warning, so that it shows under the default log level of `flask run` and gunicorn.
        current_app.logger.warning("E-mail not sent (no MAIL_SERVER) to %s: %s\n%s%s", to, subject, text,
                                   "".join(f"\n[attached: {name}]" for name, _data, _type in attachments or ()))
        return
    message.send(fail_silently=False)
