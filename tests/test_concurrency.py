"""Many phones at once against one real server (gunicorn, several workers): every audit and
answer is stored exactly once, nobody sees "database is locked", and two reviewers acting on one
audit at the same moment cannot both win. Runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from accounts.models import ApiToken, User
from audits.models import Answer, Audit
from extensions import db
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = dict(factories.WORKED_ANSWERS)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app, tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "concurrency",
           "UPLOAD_FOLDER": str(tmp_path / "uploads"), "RATELIMIT_ENABLED": "0"}
    env.pop("FLASK_RUN_FROM_CLI", None)
    process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--no-control-socket", "-w", "4",
                                "--threads", "4", "-b", f"127.0.0.1:{port}", "app:create_app()"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if requests.get(base + "/healthz", timeout=5).ok:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield base
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _token(email):
    user = db.session.scalar(db.select(User).where(User.email == email))
    _row, secret = ApiToken.issue(user, "concurrency")
    return {"Authorization": f"Bearer {secret}"}


def _run_all(jobs):
    """Start every job at the same moment; collect (status, body) pairs."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(i, job):
        barrier.wait()
        try:
            response = job()
            results[i] = (response.status_code, response.text)
        except requests.RequestException as exc:
            results[i] = (0, str(exc))

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_fifty_parallel_submissions_and_autosaves_store_everything_once(app, world, server):
    with app.app_context():
        version = factories.scorecard()
        slug = version.scorecard.slug
        headers = _token("auditor@test.example")
        drafts = [factories.audit(version, world["auditor"]["id"], world["branch_a"], status="draft", answers={}).id
                  for _ in range(10)]
        db.session.commit()
    client_ids = [str(uuid.uuid4()) for _ in range(30)]
    body = lambda cid: {"scorecard": slug, "branch_id": world["branch_a"], "client_id": cid,  # noqa: E731
                        "answers": ANSWERS, "submit": True}
    jobs = []
    for cid in client_ids:  # 30 submissions, 10 of them sent twice at once (a double tap)
        jobs.append(lambda cid=cid: requests.post(f"{server}/api/v1/audits", json=body(cid), headers=headers,
                                                  timeout=60))
    for cid in client_ids[:10]:
        jobs.append(lambda cid=cid: requests.post(f"{server}/api/v1/audits", json=body(cid), headers=headers,
                                                  timeout=60))
    for audit_id in drafts:  # 10 autosaves of different drafts at the same moment
        jobs.append(lambda audit_id=audit_id: requests.patch(f"{server}/api/v1/audits/{audit_id}",
                                                             json={"answers": ANSWERS}, headers=headers, timeout=60))
    results = _run_all(jobs)
    assert len(results) == 50
    failures = [r for r in results if r[0] not in (200, 201)]
    assert not failures, failures[:3]
    assert not any("locked" in text for _status, text in results)
    with app.app_context():
        submitted = db.session.scalars(db.select(Audit).where(Audit.client_id.in_(client_ids))).all()
        assert len(submitted) == 30 and all(a.status == "submitted" for a in submitted)
        assert all(a.score == pytest.approx(61.111, abs=0.01) for a in submitted)
        answers = db.session.scalar(db.select(db.func.count(Answer.id)).where(
            Answer.audit_id.in_([a.id for a in submitted] + drafts)))
        assert answers == 40 * len(ANSWERS)


def test_two_reviewers_at_once_cannot_both_win(app, world, server):
    with app.app_context():
        version = factories.scorecard()
        audits = [factories.audit(version, world["auditor"]["id"], world["branch_a"], status="submitted").id
                  for _ in range(3)]
        admin = _token("admin@test.example")
        manager = _token("manager.a@test.example")
        db.session.commit()
    for audit_id in audits:
        results = _run_all([
            lambda: requests.post(f"{server}/api/v1/audits/{audit_id}/approve", json={}, headers=admin, timeout=60),
            lambda: requests.post(f"{server}/api/v1/audits/{audit_id}/return", json={"reason": "Photo missing"},
                                  headers=manager, timeout=60),
        ])
        statuses = sorted(status for status, _text in results)
        assert statuses == [200, 409], results
        loser = next(text for status, text in results if status == 409)
        assert '"conflict"' in loser or "conflict" in loser.lower()
