"""Report batches: a ZIP with one PDF per branch (or per employee of a branch) for a period, made
by a job, holding only what its requester may see, expiring, and never left "running" by a worker
that died. Without Redis the job runs in the app's process; the last tests use a real Redis and a
real worker process (skipped, saying why, without scripts/test.sh's servers)."""
import io
import os
import re
import signal
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from accounts.models import User
from core.timeutil import utcnow
from extensions import db
from reports.batch_models import ReportBatch
from tests import factories
from tests.support import services
from tests.support.api import issue_token
from tests.support.quarter import PERIOD

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")
redis_url, mail_dir, job_settings = services.redis_url, services.mail_dir, services.job_settings
start_worker = services.start_worker
QUARTER = {"kind": "branches", **PERIOD, "lang": "en"}


@pytest.fixture
def tokens(app, world):
    with app.app_context():
        made = {name: issue_token(world[name]["id"]) for name in ("manager_a", "manager_b", "hr", "auditor",
                                                                  "employee", "admin")}
        db.session.commit()
    return made


def call(app, token, method, path, **kw):
    return app.test_client().open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)


def _more_branches_for(app, world, manager, count) -> dict:
    """``count`` more branches managed by ``manager``: code -> name."""
    with app.app_context():
        user = db.session.get(User, world[manager]["id"])
        made = [factories.branch(code=f"M{i:02d}", name=f"Managed {i:02d}") for i in range(count)]
        user.branches.extend(made)
        db.session.commit()
        return {b.code: b.name for b in made}


def _pdfs(zip_bytes) -> dict:
    """File name -> the PDF's text, each checked to be a valid PDF."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        assert archive.testzip() is None
        return {name: "".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read(name))).pages)
                for name in archive.namelist()}


def test_a_managers_batch_of_every_branch_holds_their_branches_only(app, world, quarter, tokens):
    made = call(app, tokens["manager_a"], "POST", "/api/v1/reports/batches", json=QUARTER)
    assert made.status_code == 202, made.get_json()
    batch = made.get_json()
    assert (batch["total"], batch["status"], batch["done"]) == (1, "done", 1)  # inline: made at once
    got = call(app, tokens["manager_a"], "GET", f"/api/v1/reports/batches/{batch['id']}").get_json()
    assert got["download_url"] == f"/api/v1/reports/batches/{batch['id']}/download"

    download = call(app, tokens["manager_a"], "GET", got["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert 'filename="branches-2025-01-01-2025-03-31.zip"' in download.headers["Content-Disposition"]
    pdfs = _pdfs(download.data)
    assert list(pdfs) == ["branch-A-1-2025-01-01-2025-03-31.pdf"]
    assert "Branch A" in pdfs["branch-A-1-2025-01-01-2025-03-31.pdf"]
    assert not any("Branch B" in text for text in pdfs.values())


def test_hr_gets_every_branch_and_a_batch_of_a_branchs_employees(app, world, quarter, tokens):
    everything = call(app, tokens["hr"], "POST", "/api/v1/reports/batches", json=QUARTER).get_json()
    assert everything["total"] == 2
    assert sorted(_pdfs(call(app, tokens["hr"], "GET", everything["download_url"]).data)) == [
        "branch-A-1-2025-01-01-2025-03-31.pdf", "branch-B-1-2025-01-01-2025-03-31.pdf"]

    staff = call(app, tokens["manager_a"], "POST", "/api/v1/reports/batches",
                 json={**QUARTER, "kind": "employees", "branch_id": world["branch_a"], "lang": "es"}).get_json()
    texts = _pdfs(call(app, tokens["manager_a"], "GET", staff["download_url"]).data)
    assert len(texts) == staff["total"] == 2  # Ana and Carla, nobody of branch B
    assert all(name.startswith("employee-") for name in texts)
    assert all("Página 1 de" in text for text in texts.values())  # in Spanish, as asked


def test_bad_requests_are_refused_with_a_reason(app, world, tokens):
    def post(who, body):
        return call(app, tokens[who], "POST", "/api/v1/reports/batches", json=body)

    assert post("auditor", QUARTER).status_code == 403
    assert post("employee", QUARTER).status_code == 403
    other = post("manager_a", {**QUARTER, "kind": "employees", "branch_id": world["branch_b"]})
    assert other.status_code == 404
    no_branch = post("manager_a", {**QUARTER, "kind": "employees"})
    assert no_branch.status_code == 422 and "branch_id" in no_branch.get_json()["error"]["details"]["json"]
    backwards = post("manager_a", {**QUARTER, "from": "2025-04-01"})
    assert backwards.status_code == 409 and "to" in backwards.get_json()["error"]["details"]["json"]
    assert post("manager_a", {**QUARTER, "kind": "regions"}).status_code == 422


def test_a_batch_is_its_requesters_and_expires(app, world, tokens):
    made = call(app, tokens["manager_a"], "POST", "/api/v1/reports/batches", json=QUARTER).get_json()
    url = f"/api/v1/reports/batches/{made['id']}"
    assert call(app, tokens["admin"], "GET", url).status_code == 404  # it holds manager A's scope
    assert call(app, tokens["manager_b"], "GET", url + "/download").status_code == 404

    with app.app_context():
        from core.storage import storage
        from reports.batches import purge_expired

        batch = db.session.get(ReportBatch, made["id"])
        key = batch.storage_key
        assert storage().exists(key)
        batch.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert call(app, tokens["manager_a"], "GET", url).status_code == 404
        assert purge_expired() == 1
        db.session.commit()
        assert not storage().exists(key) and db.session.get(ReportBatch, made["id"]) is None


def _stale(app, world, attempts) -> int:
    with app.app_context():
        long_ago = utcnow() - timedelta(hours=1)
        batch = ReportBatch(user_id=world["manager_a"]["id"], kind="branches", date_from=date(2025, 1, 1),
                            date_to=date(2025, 3, 31), lang="en", scope=[world["branch_a"]],
                            subjects=[world["branch_a"]], status="running", done=0, total=1, attempts=attempts,
                            started_at=long_ago, heartbeat_at=long_ago, expires_at=utcnow() + timedelta(days=1))
        db.session.add(batch)
        db.session.commit()
        return batch.id


def test_a_batch_whose_worker_died_is_made_again_or_failed_with_the_reason(app, world, tokens):
    again = _stale(app, world, attempts=1)
    got = call(app, tokens["manager_a"], "GET", f"/api/v1/reports/batches/{again}").get_json()
    assert (got["status"], got["done"]) == ("done", 1)  # queued again; inline, it ran at once

    used_up = _stale(app, world, attempts=3)
    got = call(app, tokens["manager_a"], "GET", f"/api/v1/reports/batches/{used_up}").get_json()
    assert got["status"] == "failed" and "worker building this batch stopped" in got["error"]
    assert call(app, tokens["manager_a"], "GET", f"/api/v1/reports/batches/{used_up}/download").status_code == 409


def test_the_reports_page_starts_a_batch_and_follows_it(app, login_as, world, quarter):
    client = login_as("manager_a")
    overview = client.get("/reports?from=2025-01-01&to=2025-03-31").get_data(as_text=True)
    assert 'action="/reports/batches"' in overview and 'name="from" value="2025-01-01"' in overview
    started = client.post("/reports/batches", data={"kind": "branches", "from": "2025-01-01", "to": "2025-03-31"})
    assert started.status_code == 303
    page = client.get(started.headers["Location"])
    html = page.get_data(as_text=True)
    assert "<progress" in html and 'data-status-url="/reports/batches/' in html
    assert re.search(r'<script src="/assets/[0-9a-f]+/js/batch\.js" defer>', html)  # fingerprinted
    assert "<script>" not in html  # no inline script: the CSP allows only the app's own files
    batch_id = int(started.headers["Location"].rsplit("/", 1)[1])
    state = client.get(f"/reports/batches/{batch_id}.json").get_json()
    assert state == {"status": "done", "done": 1, "total": 1, "text": "Ready to download.", "error": None,
                     "download_url": f"/reports/batches/{batch_id}/download"}
    download = client.get(state["download_url"])
    assert download.status_code == 200 and list(_pdfs(download.data)) == ["branch-A-1-2025-01-01-2025-03-31.pdf"]
    branch_page = client.get(f"/reports/branches/{world['branch_a']}").get_data(as_text=True)
    assert 'name="kind" value="employees"' in branch_page


def test_the_batch_page_in_spanish(app, login_as, world, quarter):
    with app.app_context():
        db.session.get(User, world["manager_a"]["id"]).language = "es"
        db.session.commit()
    client = login_as("manager_a")
    started = client.post("/reports/batches", data={"kind": "branches", "from": "2025-01-01", "to": "2025-03-31"})
    html = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Descargar el ZIP" in html and "Lista para descargar." in html


# ---- with a real Redis and worker ------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _follow(app, token, batch_id, until, timeout=120) -> list[dict]:
    """The batch's states, read every 0.1 s until ``until(state)``."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = call(app, token, "GET", f"/api/v1/reports/batches/{batch_id}").get_json()
        seen.append(state)
        if until(state):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"the batch never got there: {seen[-3:]}")


def test_a_managers_quarter_batch_on_the_worker_rises_to_one_pdf_per_branch(
        make_app, job_settings, world, quarter, start_worker):
    app = make_app(**job_settings)
    with app.app_context():
        token = issue_token(world["manager_a"]["id"])
        db.session.commit()
    names = _more_branches_for(app, world, "manager_a", 4)
    made = call(app, token, "POST", "/api/v1/reports/batches", json=QUARTER)
    assert made.status_code == 202 and made.get_json()["status"] == "queued"
    batch_id = made.get_json()["id"]
    assert call(app, token, "GET", f"/api/v1/reports/batches/{batch_id}/download").status_code == 409
    start_worker(app, job_settings)

    seen = _follow(app, token, batch_id, lambda s: s["status"] in ("done", "failed"))
    assert seen[-1]["status"] == "done", seen[-1]
    done = [s["done"] for s in seen]
    assert done == sorted(done) and any(0 < d < 5 for d in done) and done[-1] == 5
    assert any(s["status"] == "running" for s in seen)
    pdfs = _pdfs(call(app, token, "GET", f"/api/v1/reports/batches/{batch_id}/download").data)
    assert sorted(pdfs) == sorted(f"branch-{code}-2025-01-01-2025-03-31.pdf" for code in [*names, "A-1"])
    for code, name in names.items():
        assert name in pdfs[f"branch-{code}-2025-01-01-2025-03-31.pdf"]
    assert not any("Branch B" in text for text in pdfs.values())


def test_a_batch_finishes_after_its_worker_is_killed_and_another_starts(
        make_app, job_settings, world, start_worker):
    app = make_app(**job_settings, BATCH_STALE_SECONDS=15)
    with app.app_context():
        token = issue_token(world["manager_a"]["id"])
        db.session.commit()
    _more_branches_for(app, world, "manager_a", 6)
    batch_id = call(app, token, "POST", "/api/v1/reports/batches", json=QUARTER).get_json()["id"]
    worker = start_worker(app, job_settings, BATCH_STALE_SECONDS=15)

    seen = _follow(app, token, batch_id, lambda s: s["done"] >= 1 or s["status"] in ("done", "failed"))
    assert seen[-1]["status"] == "running", f"the batch ended before the worker could be killed: {seen[-1]}"
    for pid in _children(worker.pid) + [worker.pid]:  # the worker and the process making the PDFs
        os.kill(pid, signal.SIGKILL)
    worker.wait()
    stopped_at = call(app, token, "GET", f"/api/v1/reports/batches/{batch_id}").get_json()
    assert stopped_at["status"] == "running" and stopped_at["done"] < 7

    start_worker(app, job_settings, BATCH_STALE_SECONDS=15)
    seen = _follow(app, token, batch_id, lambda s: s["status"] in ("done", "failed"))
    assert seen[-1]["status"] == "done" and seen[-1]["done"] == 7, seen[-1]
    assert len(_pdfs(call(app, token, "GET", f"/api/v1/reports/batches/{batch_id}/download").data)) == 7
    with app.app_context():
        assert db.session.get(ReportBatch, batch_id).attempts == 2
