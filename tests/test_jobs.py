"""With real parts: a Redis server, an SMTP server that keeps what it receives, a real worker
process and real gunicorn servers. What a person gets by e-mail is parsed as their mail program
would: recipient, language, links. Skipped (saying why) without scripts/test.sh's servers."""
import re
import time
import uuid

import pytest
import requests

from accounts.models import User
from extensions import db
from tests import factories
from tests.support import services
from tests.support.api import issue_token
from tests.support.services import messages_to

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")  # before the world is made
redis_url, mail_dir, job_settings = services.redis_url, services.mail_dir, services.job_settings
start_worker, start_gunicorn = services.start_worker, services.start_gunicorn


@pytest.fixture
def app(make_app, job_settings):
    """The test's app on the real Redis and mail server (jobs go to its own queue)."""
    return make_app(**job_settings)


def _speaks_spanish(app, user_id) -> str:
    """The user reads Spanish, under an address no other test uses; returns the address."""
    address = f"auditor-{uuid.uuid4().hex[:10]}@test.example"
    with app.app_context():
        user = db.session.get(User, user_id)
        user.email, user.language = address, "es"
        db.session.commit()
    return address


def _parts(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_an_auditor_is_told_of_a_new_assignment_in_the_app_and_by_email_in_spanish(
        api, app, job_settings, mail_dir, start_worker):
    address = _speaks_spanish(app, api.world["auditor"]["id"])
    start_worker(app, job_settings)

    made = api.post("manager_a", "/api/v1/assignments", json={
        "auditor_id": api.world["auditor"]["id"], "branch_id": api.world["branch_a"], "scorecard": api.ids["slug"],
        "due_date": "2031-03-14"})
    assert made.status_code == 201, made.get_json()

    listed = api.get("auditor", "/api/v1/notifications?unread=true").get_json()
    assert listed["total"] == 1 and listed["items"][0]["kind"] == "assignment_made"
    assert listed["items"][0]["subject_id"] == made.get_json()["id"]

    [message] = messages_to(mail_dir, address)
    assert message["To"] == address and message["From"] == "veraz@test.example"
    assert message["Content-Language"] == "es"
    subject = str(message["Subject"])
    assert "Nueva asignación de auditoría" in subject
    assert "Branch A" not in subject and "Manager" not in subject
    text, html = _parts(message)
    assert "Tiene una nueva auditoría que hacer en Branch A" in text and "14 mar 2031" in text
    assert f"{services.BASE_URL}/my/assignments" in text
    assert re.search(rf'href="{re.escape(services.BASE_URL)}/my/assignments"', html)
    assert f"{services.BASE_URL}/profile" in text  # where to switch them off


def test_an_auditor_is_told_when_an_audit_comes_back(api, app, job_settings, mail_dir, start_worker):
    address = _speaks_spanish(app, api.world["auditor"]["id"])
    start_worker(app, job_settings)
    audit_id = api.ids["submitted_a"]

    returned = api.post("manager_a", f"/api/v1/audits/{audit_id}/return",
                        json={"reason": "The wait time is missing its evidence."})
    assert returned.status_code == 200

    [note] = api.get("auditor", "/api/v1/notifications").get_json()["items"]
    assert (note["kind"], note["subject_id"]) == ("audit_returned", audit_id)
    [message] = messages_to(mail_dir, address)
    assert "Le han devuelto una auditoría" in str(message["Subject"])
    text, html = _parts(message)
    assert "Le han devuelto su auditoría en Branch A" in text
    assert f"{services.BASE_URL}/audits/{audit_id}" in text and f'href="{services.BASE_URL}/audits/{audit_id}"' in html
    assert "evidence" not in str(message["Subject"])


def test_a_rolled_back_request_sends_nothing(api, app, job_settings, mail_dir, start_worker):
    """A receiver's rows and e-mails belong to the request's transaction."""
    from audits import assignments as audit_services

    address = _speaks_spanish(app, api.world["auditor"]["id"])
    start_worker(app, job_settings)
    with app.app_context():
        manager = db.session.get(User, api.world["manager_a"]["id"])
        audit_services.plan_assignment(manager, auditor=api.world["auditor"]["id"], branch=api.world["branch_a"],
                                       scorecard=api.ids["slug"])
        db.session.rollback()
    # A second one that commits: once its e-mail arrived, the first would have too.
    assert api.post("manager_a", "/api/v1/assignments", json={
        "auditor_id": api.world["auditor"]["id"], "branch_id": api.world["branch_a"],
        "scorecard": api.ids["slug"]}).status_code == 201
    assert len(messages_to(mail_dir, address)) == 1
    time.sleep(1)
    assert len(messages_to(mail_dir, address, timeout=0)) == 1
    assert api.get("auditor", "/api/v1/notifications").get_json()["total"] == 1


def test_a_failing_job_is_retried_then_kept_as_failed_with_its_reason_and_the_admin_sends_it_again(
        api, app, job_settings, redis_url, start_worker):
    from redis import Redis
    from rq.job import Job, JobStatus
    from rq.registry import FailedJobRegistry

    from jobs.queue import enqueue, get_queue
    from tests.support.jobs import always_fails

    app.config["JOB_RETRY_INTERVALS"] = [0, 0, 0]  # three retries, at once
    counter = f"attempts-{uuid.uuid4().hex}"
    with app.app_context():
        job = enqueue(always_fails, redis_url, counter)
        registry = FailedJobRegistry(queue=get_queue())
    start_worker(app, job_settings)

    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + 60
    while job.id not in registry.get_job_ids() and time.monotonic() < deadline:
        time.sleep(0.25)
    job = Job.fetch(job.id, connection=connection)
    assert job.get_status() == JobStatus.FAILED
    assert int(connection.get(counter)) == 4  # the first try and three retries
    assert "The mail server refused the message" in job.latest_result().exc_string
    listed = app.test_cli_runner().invoke(args=["failed-jobs"]).output
    assert f"{job.id}" in listed and "RuntimeError: The mail server refused the message" in listed

    # The admin sees it, with its reason, on the API and the page, and sends it again.
    listed = api.get("admin", "/api/v1/jobs/failed").get_json()
    assert listed["queue"] == "redis"
    [failed] = [item for item in listed["items"] if item["id"] == job.id]
    assert failed["name"].endswith("always_fails")
    assert failed["reason"] == "RuntimeError: The mail server refused the message (a test of retries)"
    assert api.get("manager_a", "/api/v1/jobs/failed").status_code == 403

    admin = app.test_client()
    admin.post("/login", data={"email": api.world["admin"]["email"], "password": factories.PASSWORD})
    page = admin.get("/jobs/failed").get_data(as_text=True)
    assert "Failed jobs" in page and "The mail server refused the message" in page

    assert admin.post(f"/jobs/failed/{job.id}/retry").status_code == 302
    assert job.id not in registry.get_job_ids()
    deadline = time.monotonic() + 60  # the worker runs it again, and it fails again
    while job.id not in registry.get_job_ids() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert int(connection.get(counter)) == 5  # run once more, by hand: no new retries
    assert api.post("admin", "/api/v1/jobs/failed/00000000-0000-4000-8000-000000000009/retry").status_code == 404


def test_without_redis_the_failed_jobs_page_says_where_failures_go(make_app, world):
    inline = make_app()  # no REDIS_URL: jobs run in the app's process
    with inline.app_context():
        token = issue_token(world["admin"]["id"])
        db.session.commit()
    listed = inline.test_client().get("/api/v1/jobs/failed", headers={"Authorization": f"Bearer {token}"})
    assert listed.get_json() == {"items": [], "page": 1, "per_page": 50, "total": 0, "pages": 0, "queue": "inline"}
    admin = inline.test_client()
    admin.post("/login", data={"email": world["admin"]["email"], "password": factories.PASSWORD})
    assert "no Redis is configured" in admin.get("/jobs/failed").get_data(as_text=True)


def test_failed_logins_are_counted_across_two_servers_on_one_redis(app, job_settings, start_gunicorn):
    settings = dict(job_settings)
    env = {"RATELIMIT_ENABLED": "1", "LOGIN_FAILURE_LIMIT": "3 per minute"}
    first, second = start_gunicorn(app, settings, **env), start_gunicorn(app, settings, **env)
    browser = requests.Session()  # one person, one cookie, two servers behind one address
    page = browser.get(first + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    form = {"csrf_token": token.group(1), "email": f"someone-{uuid.uuid4().hex[:8]}@test.example",
            "password": "not-the-password"}
    statuses = [browser.post(server + "/login", data=form, timeout=10, allow_redirects=False).status_code
                for server in (first, second, first, second, first, second)]
    # Each server alone would allow three: together they allowed three, then refused.
    assert statuses == [200, 200, 200, 429, 429, 429]
    health = requests.get(second + "/healthz", timeout=10).json()
    assert health["status"] == "ok" and health["redis"] == "ok"


def test_the_worker_books_the_daily_overdue_check_and_the_check_tells_auditor_and_planner(
        api, app, job_settings, mail_dir, redis_url, start_worker):
    from datetime import date, timedelta

    from rq.registry import ScheduledJobRegistry

    from audits.models import Assignment
    from jobs.queue import enqueue, get_queue
    from jobs.schedule import daily_overdue_check

    address = _speaks_spanish(app, api.world["auditor"]["id"])
    with app.app_context():
        db.session.get(Assignment, api.ids["assignment_a"]).due_date = date.today() - timedelta(days=2)
        db.session.commit()
        scheduled = ScheduledJobRegistry(queue=get_queue())
    start_worker(app, job_settings)
    deadline = time.monotonic() + 30
    def daily():
        return [job_id for job_id in scheduled.get_job_ids() if job_id.startswith("daily-overdue-")]

    while not daily() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert len(daily()) == 1
    assert any(job_id.startswith("monthly-reports-") for job_id in scheduled.get_job_ids())

    with app.app_context():  # what the scheduler will do at 06:00, now
        enqueue(daily_overdue_check)
    [message] = messages_to(mail_dir, address)
    assert "Una asignación de auditoría está vencida" in str(message["Subject"])
    assert f"{services.BASE_URL}/my/assignments" in _parts(message)[0]
    assert [n["kind"] for n in api.get("manager_a", "/api/v1/notifications").get_json()["items"]] == [
        "assignment_overdue"]
    assert len(daily()) == 1  # tomorrow's run replaces, never adds


def test_the_check_for_batches_a_dead_worker_left_runs_every_period_booked_once(app):
    from datetime import UTC, datetime

    from rq.registry import ScheduledJobRegistry

    from jobs.queue import get_queue
    from jobs.schedule import recover_batches_soon

    app.config["BATCH_STALE_SECONDS"] = 300
    with app.app_context():
        registry = ScheduledJobRegistry(queue=get_queue())
        for second in (0, 7, 59):  # three workers starting within the same period book one check
            recover_batches_soon(datetime(2031, 3, 14, 9, 0, second, tzinfo=UTC))
        booked = [job_id for job_id in registry.get_job_ids() if job_id.startswith("batch-recovery-")]
        assert len(booked) == 1
        when = registry.get_scheduled_time(booked[0])
    assert when == datetime(2031, 3, 14, 9, 10, tzinfo=UTC)  # the second period boundary after 9:00
