"""Offline pages and the queue's endpoint.

- /my/assignments/<id>/offline: the fill page of an assignment not started yet, rendered without
  an audit so that the service worker can keep it; the phone makes the audit's client id.
- /my/unplanned/<slug>/offline: the same for an unplanned audit with that scorecard (where the
  user may start one), with the branches to choose from.
- /my/outbox: what waits on the phone to be sent (drawn by static/js/offline.js from IndexedDB).
- POST /offline/audits: one queued audit replayed: create from its client id, save, submit."""
from types import SimpleNamespace

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.permissions import may_start_unplanned, roles_required
from audits.errors import AuditInvalid
from audits.routes.common import visible_assignment
from audits.routes.fill import _fill_context, parse_local
from audits.routes.lists import _branches_for
from audits.services import published_version_for
from branches.models import Employee
from core.errors import error_response
from extensions import db
from offline import services
from scorecards.models import Scorecard

bp = Blueprint("offline", __name__)
AUDITING = ("auditor", "manager", "admin")  # who may audit: as "My assignments"


def register(app):
    app.register_blueprint(bp)


class _NotYetMade(SimpleNamespace):
    """What the fill template reads of an audit, for one the phone will make: no id, no answers."""

    def answers_by_key(self):
        return {}


@bp.route("/my/assignments/<int:assignment_id>/offline")
@roles_required(*AUDITING)
def prepared_fill(assignment_id):
    """The fill page of an assignment, ready to start with no connection."""
    assignment = visible_assignment(assignment_id)
    if assignment.auditor_id != current_user.id:
        return error_response(404)
    if assignment.audit is not None:
        return redirect(url_for("audits.fill", audit_id=assignment.audit.id))
    version = published_version_for(assignment.scorecard)
    audit = _NotYetMade(id=None, client_id="", lock_version=0, status="draft", checkin_at=None, photos=[],
                        reviewed_by=None, return_reason="", assignment=assignment, version=version,
                        branch=assignment.branch, branch_id=assignment.branch_id,
                        employee_id=assignment.employee_id, employee_name_given="", started_at=None,
                        ended_at=None, channel=assignment.scorecard.channel, notes="")
    return render_template("audits/fill.html", prepared=assignment, **_fill_context(audit))


@bp.route("/my/unplanned/<slug>/offline")
@roles_required(*AUDITING)
def prepared_unplanned(slug):
    """The fill page of an unplanned audit with this scorecard, ready to start with no connection:
    the branch is chosen on the page (those the user may start an audit in)."""
    if not may_start_unplanned(current_user):
        return error_response(403, _("Audits without an assignment are turned off by the administrator."))
    card = db.session.scalar(db.select(Scorecard).where(Scorecard.slug == slug))
    branches = _branches_for(current_user, plan=True)
    if card is None or card.archived or card.latest_published is None or not branches:
        return error_response(404)
    audit = _NotYetMade(id=None, client_id="", lock_version=0, status="draft", checkin_at=None, photos=[],
                        reviewed_by=None, return_reason="", assignment=None, version=card.latest_published,
                        branch=None, branch_id=None, employee_id=None, employee_name_given="", started_at=None,
                        ended_at=None, channel=card.channel, notes="")
    context = _fill_context(audit)
    context["employees"] = db.session.scalars(db.select(Employee).where(
        Employee.branch_id.in_([b.id for b in branches]), Employee.active.is_(True)).order_by(Employee.name)).all()
    return render_template("audits/fill.html", unplanned=card, branches=branches, **context)


@bp.route("/my/outbox")
@roles_required(*AUDITING)
def outbox():
    """What this phone still has to send; the list itself is read from the phone by offline.js."""
    return render_template("offline/outbox.html")


def _details(raw) -> dict:
    details = dict(raw) if isinstance(raw, dict) else {}
    for key in ("started_at", "ended_at"):
        if isinstance(details.get(key), str):
            details[key] = parse_local(details[key])
    return details


@bp.route("/offline/audits", methods=["POST"])
@roles_required(*AUDITING)
def replay_audit():
    """A queued audit from the phone, as JSON: {client_id, assignment_id | scorecard_id and
    branch_id, started_at, answers, comments, details, submit}. Safe to send again."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("client_id"), str):
        return error_response(400, _("Send the audit as a JSON object with its client id."))
    if not all(data.get(k) is None or isinstance(data[k], dict) for k in ("answers", "comments", "details")):
        return error_response(400, _("Send the audit as a JSON object with its client id."))
    if "started_at" in data:
        data["started_at"] = parse_local(data["started_at"]) if isinstance(data["started_at"], str) else None
    audit = services.replay(current_user, data, _details(data.get("details")))
    db.session.commit()  # the answers stay even if the submission below is refused
    if data.get("submit"):
        try:
            services.submit_replayed(audit, current_user)
            db.session.commit()
        except AuditInvalid as exc:
            db.session.rollback()
            details = dict(exc.details, audit_id=audit.id, fill_url=url_for("audits.fill", audit_id=audit.id))
            return error_response(422, exc.message, details, code=exc.code)
    return jsonify({"audit_id": audit.id, "status": audit.status, "score": audit.score,
                    "fill_url": url_for("audits.fill", audit_id=audit.id),
                    "view_url": url_for("audits.view_audit", audit_id=audit.id),
                    "photos_url": url_for("audits.upload_photo", audit_id=audit.id)})
