"""The objects the access walk fills every URL with (the ``objects`` fixture, tests/conftest.py):
all belong to branch A and to the first auditor; branch B's belong to the second."""
import io
import os
from datetime import date, timedelta

from PIL import Image

from accounts.models import ApiToken, User
from actions.models import Action
from audits.models import Assignment, Photo
from branches.models import Employee
from disputes.models import Dispute, DisputeEvidence
from extensions import db
from tests import factories
from webhooks.models import WebhookDelivery, WebhookEndpoint

MARKER = "Zelda Secret-A"                     # branch A's audit comments: never shown to outsiders
PERSON = "Ximena Branch-A"                    # branch A's employee: never shown to other managers


def access_objects(app, world, people) -> dict:
    """Branch A's things, owned by the first auditor; branch B's belong to the second."""
    with app.app_context():
        db.session.get(Employee, world["employee_a"]).name = PERSON
        version = factories.scorecard()
        audit = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="submitted",
                                employee_id=world["employee_a"], comments={"a_no": MARKER})
        draft_audit = factories.audit(version, world["auditor"]["id"], world["branch_a"], status="draft",
                                      employee_id=world["employee_a"], comments={"a_no": MARKER})
        factories.audit(version, world["auditor2"]["id"], world["branch_b"], status="submitted")
        draft = factories.scorecard(publish=False)
        assignment = Assignment(auditor_id=world["auditor"]["id"], branch_id=world["branch_a"],
                                scorecard_id=version.scorecard_id, employee_id=world["employee_a"],
                                due_date=date.today() + timedelta(days=2), created_by_id=world["admin"]["id"])
        db.session.add(assignment)
        image = io.BytesIO()
        Image.new("RGB", (8, 8), "red").save(image, "JPEG")
        photo = Photo(audit=draft_audit, filename="access-test.jpg", size=image.tell())
        db.session.add(photo)
        # Ana's dispute of the audit (made directly: the walk's audit is submitted, not approved)
        dispute = Dispute(audit=audit, opened_by_id=world["employee"]["id"], reason=MARKER, criteria=[])
        dispute.evidence.append(DisputeEvidence(filename="access-test.jpg", width=8, height=8, size=image.tell(),
                                                sha256="0" * 64, uploaded_by_id=world["employee"]["id"]))
        db.session.add(dispute)
        # manager A's action on the audit (made directly: the walk's audit is submitted), with a photo
        action = Action(audit=audit, branch_id=audit.branch_id, employee_id=audit.employee_id, title=MARKER,
                        owner_id=world["manager_a"]["id"], due_date=date.today(), photo="access-test.jpg")
        db.session.add(action)
        webhook = WebhookEndpoint(url="https://127.0.0.1:9/veraz", events=["audit.approved"], secret="whsec_x")
        delivery = WebhookDelivery(endpoint=webhook, delivery_id="00000000-0000-4000-8000-000000000001",
                                   event="audit.approved", body="{}", status="failed", attempts=6)
        db.session.add_all([webhook, delivery])
        survey = _survey_response(world)
        auditor = db.session.get(User, world["auditor"]["id"])
        token, _secret = ApiToken.issue(auditor, "walk")
        tokens = {}
        for name in people:
            _row, tokens[name] = ApiToken.issue(db.session.get(User, world[name]["id"]), "walk")
        batch = _finished_batch(app, world)
        coaching = _coaching_session(world, version)
        calibration = _closed_calibration(world, version)
        db.session.commit()
        os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)
        with open(os.path.join(app.config["UPLOAD_FOLDER"], "access-test.jpg"), "wb") as handle:
            handle.write(image.getvalue())
        first = version.sections[0]
        return {
            "audit_id": audit.id, "draft_audit_id": draft_audit.id, "assignment_id": assignment.id,
            "branch_id": world["branch_a"],
            "employee_id": world["employee_a"], "user_id": world["auditor"]["id"], "token_id": token.id,
            "photo_id": photo.id, "dispute_id": dispute.id, "evidence_id": dispute.evidence[0].id,
            "action_id": action.id,
            "slug": version.scorecard.slug, "card_id": draft.scorecard_id,
            "number": draft.number, "key": draft.sections[0].criteria[0].key, "section_key": draft.sections[0].key,
            "section_as_key": draft.sections[0].key, "what": "audits", "fmt": "csv",
            "code": "en", "digest": "0", "filename": "css/app.css", "first_section": first.key,
            "tokens": tokens, "email": world["auditor"]["email"], "batch_id": batch.id,
            "endpoint_id": webhook.id, "webhook_id": webhook.id, "delivery_id": delivery.id,
            "job_id": "00000000-0000-4000-8000-000000000002",  # no such failed job: the retry answers 404
            "coaching_id": coaching.id,
            "session_id": calibration.id,
            # a survey's link; as a password reset link it is void, so it leads back to asking for one
            "token": survey.link.token, "link_id": survey.link_id, "response_id": survey.id,
        }


def _coaching_session(world, version):
    """Manager A's coaching session with Ana on the walk's scorecard's first question."""
    from coaching.models import CoachingSession

    session = CoachingSession(employee_id=world["employee_a"], coach_id=world["manager_a"]["id"],
                              held_on=date.today() - timedelta(days=7),
                              criteria=[version.sections[0].criteria[0].key], notes=MARKER, goals="")
    db.session.add(session)
    return session


def _finished_batch(app, world):
    """A finished report batch of manager A's (a batch is its requester's only)."""
    from core.storage import storage
    from core.timeutil import utcnow
    from reports.batch_models import ReportBatch

    now = utcnow()
    batch = ReportBatch(user_id=world["manager_a"]["id"], kind="branches", date_from=date(2026, 1, 1),
                        date_to=date(2026, 3, 31), lang="en", scope=[world["branch_a"]], subjects=[world["branch_a"]],
                        status="done", done=1, total=1, storage_key="batches/walk.zip", created_at=now,
                        expires_at=now + timedelta(days=3))
    db.session.add(batch)
    storage(app).put("batches/walk.zip", b"PK\x05\x06" + bytes(18), "application/zip")  # an empty ZIP
    return batch


def _closed_calibration(world, version):
    """Manager A's calibration session of branch A, scored by the first auditor and another one
    (not the second: it is not theirs to see), closed, so that its results and PDF exist."""
    from calibration.models import CalibrationParticipant, CalibrationSession
    from core.timeutil import utcnow

    other = factories.user("auditor", "calibrator@test.example")
    session = CalibrationSession(title=MARKER, subject=MARKER, version=version, branch_id=world["branch_a"],
                                 created_by_id=world["manager_a"]["id"], closed_at=utcnow(),
                                 closed_by_id=world["manager_a"]["id"])
    for user_id in (world["auditor"]["id"], other.id):
        session.participants.append(CalibrationParticipant(user_id=user_id, answers=dict(factories.WORKED_ANSWERS),
                                                           comments={}, score=61.1, submitted_at=utcnow()))
    db.session.add(session)
    return session
def _survey_response(world):
    """Branch A's survey link and a customer's response with a comment (surveys/)."""
    from core.timeutil import utcnow
    from surveys.models import SurveyLink, SurveyResponse

    link = SurveyLink(token="walk-survey-token-a", branch_id=world["branch_a"], language="en")
    now = utcnow()
    response = SurveyResponse(link=link, branch_id=world["branch_a"], created_at=now, month=now.date().replace(day=1),
                              receipt="walk", nps=9, csat=4, resolved="yes", comment=MARKER)
    db.session.add_all([link, response])
    db.session.flush()
    return response
