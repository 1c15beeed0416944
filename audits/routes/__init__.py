"""Audit pages: assignments, my assignments, the fill page with autosave, photos, the audit page and
review. The rules live in the audits package (services, policy, answers, queries, assignments);
these views read requests, check who may see what (someone else's audit or assignment is a 404),
call the services and commit once. A refusal that a view does not handle itself (AuditError) is
answered by the app's error handler (core/errors.py).

- lists.py: my assignments, starting an audit, planning assignments, the list of audits
- fill.py: the fill page, autosave, submit, check-in
- photos.py: adding, showing and removing photos
- review.py: the audit page, approve and return
"""
from audits.forms import ASSIGNMENT_STATUS_LABELS, CHANNEL_LABELS, STATUS_LABELS
from audits.routes import fill, lists, photos, review  # noqa: F401  (their views join the blueprint)
from audits.routes.common import bp


def register(app):
    app.register_blueprint(bp)

    @app.context_processor
    def audit_labels():
        return {"status_labels": STATUS_LABELS, "channel_labels": CHANNEL_LABELS,
                "assignment_status_labels": ASSIGNMENT_STATUS_LABELS}
