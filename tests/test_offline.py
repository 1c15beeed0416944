"""Offline from start to submit, server side: what the phone's queue replays (an audit made from
its client id, its answers, its photos, its submission) arrives once however often it is sent, and
a refusal says why. The phone itself is tested in tests/browser/test_offline_browser.py."""
import io
import uuid
from datetime import date, timedelta

import pytest
from PIL import Image

from audits.models import Assignment, Audit, Photo
from extensions import db
from tests import factories

JSON = {"Accept": "application/json"}


def jpeg(width=40, height=30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def planned(app, world):
    with app.app_context():
        version = factories.scorecard()
        assignment = Assignment(auditor_id=world["auditor"]["id"], branch_id=world["branch_a"],
                                scorecard_id=version.scorecard_id, employee_id=world["employee_a"],
                                due_date=date.today() + timedelta(days=2))
        db.session.add(assignment)
        db.session.commit()
        return assignment.id


def replay(client, client_id, assignment_id=None, **body):
    return client.post("/offline/audits", headers=JSON,
                       json={"client_id": client_id, "assignment_id": assignment_id, **body})


def upload(client, audit_id, client_id, data=None):
    return client.post(f"/audits/{audit_id}/photos", headers=JSON, content_type="multipart/form-data",
                       data={"photo": (io.BytesIO(data or jpeg()), "photo.jpg"), "criterion": "a_yes",
                             "photo_client_id": client_id})


def audits_of(app, client_id):
    with app.app_context():
        return db.session.scalars(db.select(Audit).where(Audit.client_id == client_id)).all()


def test_a_queue_replayed_twice_makes_one_submitted_audit_with_one_copy_of_each_photo(app, client, login_as,
                                                                                      planned):
    login_as("auditor")
    client_id = str(uuid.uuid4())
    for _ in range(2):
        first = replay(client, client_id, planned, answers=factories.WORKED_ANSWERS,
                       started_at="2026-03-02T11:15:00+01:00")
        assert first.status_code == 200, first.json
        audit_id = first.json["audit_id"]
        assert [upload(client, audit_id, f"photo-{n}-{client_id}").status_code for n in (1, 2)] in (
            [201, 201], [200, 200])
        done = replay(client, client_id, submit=True)
        assert done.status_code == 200 and done.json["status"] == "submitted"
    [audit] = audits_of(app, client_id)
    assert audit.status == "submitted" and audit.assignment_id == planned
    assert round(audit.score, 1) == 61.1  # the worked example's score (docs/scoring.md)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Photo.id)).where(Photo.audit_id == audit.id)) == 2
        assert [e.action for e in db.session.get(Audit, audit.id).events].count("submitted") == 1


def test_a_photo_sent_again_with_its_client_id_is_stored_once(app, client, login_as, planned):
    login_as("auditor")
    audit_id = replay(client, str(uuid.uuid4()), planned).json["audit_id"]
    first = upload(client, audit_id, "photo-abc-123")
    again = upload(client, audit_id, "photo-abc-123")
    other = upload(client, audit_id, "photo-def-456")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json["id"] == first.json["id"] != other.json["id"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Photo.id)).where(Photo.audit_id == audit_id)) == 2


def test_a_submission_with_an_answer_missing_comes_back_with_the_reason_and_keeps_the_answers(app, client,
                                                                                             login_as, planned):
    login_as("auditor")
    client_id = str(uuid.uuid4())
    answers = {k: v for k, v in factories.WORKED_ANSWERS.items() if k != "b_yes"}
    response = replay(client, client_id, planned, answers=answers, submit=True)
    assert response.status_code == 422
    error = response.json["error"]
    assert [p["criterion"] for p in error["details"]["problems"]] == ["b_yes"]
    assert error["details"]["fill_url"] == f"/audits/{error['details']['audit_id']}/fill"
    [audit] = audits_of(app, client_id)
    assert audit.status == "draft"
    with app.app_context():
        assert {a.criterion_key for a in db.session.get(Audit, audit.id).answers} == set(answers)


def test_an_assignment_cancelled_while_the_phone_was_offline_refuses_the_audit_with_the_reason(app, client,
                                                                                              login_as, planned):
    with app.app_context():
        db.session.delete(db.session.get(Assignment, planned))
        db.session.commit()
    login_as("auditor")
    client_id = str(uuid.uuid4())
    response = replay(client, client_id, planned, answers=factories.WORKED_ANSWERS, submit=True)
    assert response.status_code == 404
    assert "cancelled" in response.json["error"]["message"]
    assert audits_of(app, client_id) == []


def test_the_prepared_page_is_the_fill_page_of_the_auditors_assignment_only(app, client, login_as, planned):
    url = f"/my/assignments/{planned}/offline"
    login_as("auditor2")
    assert client.get(url).status_code == 404
    login_as("auditor")
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-prepared="{planned}"' in html and 'name="a-a_yes"' in html
    assert audits_of(app, "") == []  # nothing was made by looking
    audit_id = replay(client, str(uuid.uuid4()), planned).json["audit_id"]
    started = client.get(url)
    assert started.status_code == 302 and started.headers["Location"].endswith(f"/audits/{audit_id}/fill")


def test_my_assignments_offers_each_assignment_of_the_next_days_for_offline_and_lists_what_waits(client, login_as,
                                                                                                  planned):
    login_as("auditor")
    html = client.get("/my/assignments").get_data(as_text=True)
    assert f'data-prepare="/my/assignments/{planned}/offline"' in html
    assert 'id="outbox-status"' in html and 'href="/my/outbox"' in html
    outbox = client.get("/my/outbox")
    assert outbox.status_code == 200 and "Send now" in outbox.get_data(as_text=True)
    client.post("/language/es")
    spanish = client.get("/my/outbox").get_data(as_text=True)
    assert 'data-audits-other="2 auditorías"' in spanish and 'data-photos-one="1 foto"' in spanish
    assert "Enviar ahora" in spanish


def test_photos_added_without_javascript_are_each_stored_even_though_the_form_carries_the_audits_client_id(
        app, client, login_as, planned):
    login_as("auditor")
    client_id = str(uuid.uuid4())
    audit_id = replay(client, client_id, planned).json["audit_id"]
    for _ in range(2):
        response = client.post(f"/audits/{audit_id}/photos", content_type="multipart/form-data",
                               data={"photo-_audit": (io.BytesIO(jpeg()), "p.jpg"), "client_id": client_id})
        assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Photo.id)).where(Photo.audit_id == audit_id)) == 2


def test_an_unplanned_audit_started_offline_is_made_from_its_scorecard_and_the_branch_chosen(app, client, login_as,
                                                                                             world):
    with app.app_context():
        card = factories.scorecard().scorecard
        slug, card_id = card.slug, card.id
        db.session.commit()
    login_as("auditor")
    page = client.get(f"/my/unplanned/{slug}/offline")
    assert page.status_code == 200 and 'id="branch_id"' in page.get_data(as_text=True)
    assert f'href="/my/unplanned/{slug}/offline"' in client.get("/my/assignments").get_data(as_text=True)
    client_id = str(uuid.uuid4())
    for _ in range(2):
        response = replay(client, client_id, scorecard_id=card_id, branch_id=world["branch_b"],
                          employee_id=world["employee_b"], answers=factories.WORKED_ANSWERS, submit=True)
        assert response.status_code == 200 and response.json["status"] == "submitted"
    [audit] = audits_of(app, client_id)
    assert (audit.branch_id, audit.employee_id, audit.assignment_id) == (world["branch_b"], world["employee_b"], None)
    login_as("hr")
    assert client.get(f"/my/unplanned/{slug}/offline").status_code == 403


def test_a_replay_that_is_not_an_audit_is_a_clear_400(client, login_as):
    login_as("auditor")
    assert client.post("/offline/audits", headers=JSON, data="nonsense").status_code == 400
    assert client.post("/offline/audits", headers=JSON, json={"client_id": "abcdefgh12", "answers": []}
                       ).status_code == 400
