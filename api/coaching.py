"""Coaching sessions and their effect (coaching/services.py and coaching/effect.py hold every
rule; a refusal is a domain error mapped by core/errors.py)."""
from accounts.permissions import can_see_branch, get_visible_or_404
from api import coaching_schemas as s
from api.common import ID, current, make_blueprint, not_found, paginate, require_role
from branches.models import Employee
from coaching import effect as effects
from coaching import services
from coaching.models import CoachingSession
from extensions import db

blp = make_blueprint("coaching_api", "Coaching: a manager of the branch (or an admin) records a session with an "
                     "employee on some criteria; the employee acknowledges it; its effect is the rate of full "
                     "points on those criteria before and after.")


def _visible(coaching_id) -> CoachingSession:
    return get_visible_or_404(CoachingSession, coaching_id, services.can_see_session)


@blp.route("/coaching", methods=["GET"])
@blp.arguments(s.CoachingQuery, location="query", as_kwargs=True)
@blp.response(200, s.CoachingSessionPage)
@blp.errors(401, 403)
def list_coaching_sessions(page, per_page, employee_id=None, acknowledged=None):
    """The coaching sessions you may see, newest first.

    Managers see their branches' employees' sessions, admins and HR all of them, an employee's
    login their own; ``employee_id`` and ``acknowledged`` filter."""
    require_role("admin", "manager", "hr", "employee")
    result = paginate(services.session_query(current(), employee_id, acknowledged),
                      {"page": page, "per_page": per_page})
    return result


@blp.route("/coaching", methods=["POST"])
@blp.arguments(s.CoachingIn, example=s.EXAMPLE_COACHING)
@blp.response(201, s.CoachingSessionSchema)
@blp.errors(401, 403, 404, 422)
def create_coaching_session(data):
    """Record a coaching session (a manager of the employee's branch, or an admin).

    ``criteria`` are criterion keys of any scorecard (each must exist: 422 naming it);
    ``follow_up_on`` may not come before ``held_on``. An employee you may not see is 404."""
    require_role("admin", "manager")
    employee = db.session.get(Employee, data.pop("employee_id"))
    if employee is None or not can_see_branch(current(), employee.branch_id):
        not_found()
    session = services.record(current(), employee, data)
    db.session.commit()
    return session


@blp.route(f"/coaching/<{ID}:coaching_id>", methods=["GET"])
@blp.response(200, s.CoachingSessionSchema)
@blp.errors(401, 404)
def get_coaching_session(coaching_id):
    """One coaching session."""
    return _visible(coaching_id)


@blp.route(f"/coaching/<{ID}:coaching_id>", methods=["PATCH"])
@blp.arguments(s.CoachingPatch(partial=True))
@blp.response(200, s.CoachingSessionSchema)
@blp.errors(401, 403, 404, 409, 422)
def update_coaching_session(data, coaching_id):
    """Change a coaching session, or acknowledge it.

    A manager of the branch or an admin changes its fields (send only those to change); the
    employee's own login sends ``{"acknowledged": true}`` once (409 when already acknowledged; 403
    for anyone else)."""
    session = _visible(coaching_id)
    acknowledged = data.pop("acknowledged", None)
    if data:
        services.change(current(), session, data)
    if acknowledged:
        services.acknowledge(current(), session)
    db.session.commit()
    return session


@blp.route(f"/coaching/<{ID}:coaching_id>/effect", methods=["GET"])
@blp.response(200, s.CoachingEffectSchema)
@blp.errors(401, 404)
def get_coaching_effect(coaching_id):
    """Did it work: per coached criterion, the rate of full points before and after the session.

    "after" runs from the day after the session to today, "before" over as many days up to the day
    before it (the session's day is in neither); ``audits`` counts the employee's approved audits
    that scored the criterion; ``rate`` is null with fewer than three (``reason``:
    ``too_few_audits``)."""
    session = _visible(coaching_id)
    # A computed view, not a model: coaching/effects.py works the rates out; this only names them.
    texts = services.criterion_texts(session.criteria or [])
    rows = [{"criterion": e.criterion, "text": texts.get(e.criterion), "before": e.before.as_dict(),
             "after": e.after.as_dict(), "change": e.change} for e in effects.effect(session)]
    return {"session_id": session.id, "employee_id": session.employee_id, "held_on": session.held_on,
            "min_audits": effects.MIN_AUDITS, "criteria": rows}
