"""What customers said about an employee (survey responses given through their own link) in their
personal-data document, and how an erasure reaches it (security/personal_data.py's registry):
comments that name the person go; the ratings stay, so every figure stays as it was."""
from core.personal_data import iso, register_section
from extensions import db
from surveys.models import SurveyResponse


def _responses(employee):
    return db.session.scalars(db.select(SurveyResponse).where(SurveyResponse.employee_id == employee.id)
                              .order_by(SurveyResponse.id)).all()


def collect(employee) -> list:
    return [{"id": r.id, "at": iso(r.created_at), "nps": r.nps, "csat": r.csat, "resolved": r.resolved,
             "wait": r.wait, "comment": r.comment or ""} for r in _responses(employee)]


def erase(erasure) -> None:
    for response in _responses(erasure.employee):
        erasure.text(response, "comment")


def register() -> None:
    register_section("survey_responses", collect, erase)
