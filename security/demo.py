"""A little of the security log for the demo (``flask --app app demo``; safe to run twice): a
password-spraying attempt and HR's export, so that the log page shows what it is for."""
from datetime import timedelta

from core.timeutil import utcnow
from extensions import db
from security.models import SecurityEvent


def load(users: dict) -> None:
    if db.session.scalar(db.select(SecurityEvent.id).where(SecurityEvent.type == "login_failed").limit(1)):
        return
    now = utcnow()
    for n, email in enumerate(("admin@veraz.example", "director@veraz.example", "rrhh@veraz.example")):
        db.session.add(SecurityEvent(type="login_failed", occurred_at=now - timedelta(hours=5, minutes=-n),
                                     email=email, address="203.0.113.77", details={}))
    hr = users.get("hr@veraz.example")
    db.session.add(SecurityEvent(type="export_downloaded", occurred_at=now - timedelta(hours=2),
                                 actor_id=hr.id if hr else None, address="192.0.2.10",
                                 details={"what": "answers", "format": "xlsx", "filters": {"branch": 1}}))
    db.session.flush()
