"""The monthly delivery: each manager receives their branches' PDFs for the previous month, in
their language, once. Messages go to a real SMTP server (scripts/test.sh's), parsed as a mail
program would; skipped, saying why, without it."""
import io
import uuid
from datetime import date

import pytest
from pypdf import PdfReader

from accounts.models import User
from extensions import db
from jobs.monthly import month_period, previous_month
from reports.batch_models import MonthlyDelivery
from tests.support import services
from tests.support.services import messages_to

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
redis_url, mail_dir, job_settings = services.redis_url, services.mail_dir, services.job_settings


@pytest.fixture
def app(make_app, job_settings):
    # Flask-Mailman keeps a testing app's messages in memory: this one sends them to the SMTP server.
    return make_app(**job_settings, MAIL_BACKEND="smtp")


def _addresses(app, world) -> dict:
    """Each manager under an address no other test uses; manager A reads Spanish."""
    out = {}
    with app.app_context():
        for name, language in (("manager_a", "es"), ("manager_b", "en")):
            user = db.session.get(User, world[name]["id"])
            user.email, user.language = f"{name}-{uuid.uuid4().hex[:10]}@test.example", language
            out[name] = user.email
        db.session.commit()
    return out


def _pdf_attachments(message) -> dict:
    found = {}
    for part in message.iter_attachments():
        assert part.get_content_type() == "application/pdf"
        reader = PdfReader(io.BytesIO(part.get_content()))
        found[part.get_filename()] = "".join(page.extract_text() for page in reader.pages)
    return found


def test_the_monthly_command_run_twice_sends_one_message_per_manager(app, world, quarter, mail_dir):
    address = _addresses(app, world)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-monthly-reports", "--month", "2025-02"])
    assert first.exit_code == 0 and "sent to 2 manager(s)" in first.output, first.output
    again = runner.invoke(args=["send-monthly-reports", "--month", "2025-02"])
    assert "sent to 0 manager(s); 2 had them already" in again.output

    [spanish] = messages_to(mail_dir, address["manager_a"])
    [english] = messages_to(mail_dir, address["manager_b"])
    assert spanish["Content-Language"] == "es" and "Sus informes mensuales, febrero 2025" in str(spanish["Subject"])
    assert "Branch" not in str(spanish["Subject"])  # no branch, no figure in a subject line
    assert "Le adjuntamos los informes de sus sucursales" in spanish.get_body(("plain",)).get_content()
    pdfs = _pdf_attachments(spanish)
    assert list(pdfs) == ["branch-A-1-2025-02-01-2025-02-28.pdf"]
    assert "Branch A" in pdfs["branch-A-1-2025-02-01-2025-02-28.pdf"] and "Página 1 de" in pdfs[
        "branch-A-1-2025-02-01-2025-02-28.pdf"]
    assert list(_pdf_attachments(english)) == ["branch-B-1-2025-02-01-2025-02-28.pdf"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(MonthlyDelivery)) == 2


def test_large_monthly_reports_come_as_a_link_to_a_zip(app, world, quarter, mail_dir):
    address = _addresses(app, world)
    app.config["MONTHLY_ATTACH_MAX_BYTES"] = 1
    assert app.test_cli_runner().invoke(args=["send-monthly-reports", "--month", "2025-03"]).exit_code == 0
    [message] = messages_to(mail_dir, address["manager_b"])
    assert not list(message.iter_attachments())
    text = message.get_body(("plain",)).get_content()
    with app.app_context():
        delivery = db.session.get(MonthlyDelivery, (world["manager_b"]["id"], "2025-03"))
    assert f"{services.BASE_URL}/reports/batches/{delivery.batch_id}" in text


def test_a_month_is_named_as_yyyy_mm():
    assert previous_month(date(2026, 1, 1)) == "2025-12"
    assert month_period("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    with pytest.raises(ValueError):
        month_period("2024-13")
