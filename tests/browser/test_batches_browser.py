"""A report batch on a phone: the progress bar moves and the download link appears while the
page stays loaded (static/js/batch.js polls the batch's JSON; the CSP allows no inline script)."""
from datetime import date, timedelta

from core.timeutil import utcnow
from extensions import db
from reports.batch_models import ReportBatch
from tests.browser.conftest import assert_fits_phone, login


def test_the_progress_bar_moves_without_reloading(app, live_server, phone, world):
    with app.app_context():
        now = utcnow()
        batch = ReportBatch(user_id=world["manager_a"]["id"], kind="branches", date_from=date(2025, 1, 1),
                            date_to=date(2025, 3, 31), lang="en", scope=[world["branch_a"]],
                            subjects=[world["branch_a"]] * 3, status="running", done=0, total=3,
                            started_at=now, heartbeat_at=now + timedelta(hours=1),
                            expires_at=now + timedelta(days=3))
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
    page = phone.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, live_server, world["manager_a"]["email"])
    page.goto(f"{live_server}/reports/batches/{batch_id}")
    page.evaluate("window.notReloaded = true")
    assert page.get_attribute("#batch-progress", "value") == "0"
    assert_fits_phone(page)

    def advance(**values):
        with app.app_context():
            for key, value in values.items():
                setattr(db.session.get(ReportBatch, batch_id), key, value)
            db.session.commit()

    advance(done=2)
    page.wait_for_function("() => document.getElementById('batch-progress').value === 2", timeout=10_000)
    assert page.text_content("#batch-count") == "2 / 3"
    assert page.is_hidden("#batch-download")
    advance(done=3, status="done", storage_key="batches/none.zip")
    page.wait_for_selector("#batch-download a", state="visible", timeout=10_000)
    assert page.text_content("#batch-status") == "Ready to download."
    assert page.evaluate("window.notReloaded") is True
    assert not errors, errors
