"""Recognition for a period (coaching/recognition.py holds the rule)."""
from accounts.permissions import can_see_branch
from api import coaching_schemas as s
from api.common import current, make_blueprint, not_found, require_role
from branches.models import Branch
from coaching import recognition as rec
from core.timeutil import utcnow
from extensions import db

blp = make_blueprint("recognition_api", "Recognition: the employees a period's approved audits recognise, and "
                     "the most improved.")


def period(date_from, date_to):
    """The period asked for; a missing end is filled from last month (a missing start: the same
    length as last month before the end, a missing end: to the end of last month, or the start's
    month end)."""
    last_from, last_to = rec.default_period(utcnow().date())
    if date_from is None and date_to is None:
        return last_from, last_to
    if date_from is None:
        return date_to.replace(day=1), date_to
    if date_to is None:
        return date_from, max(date_from, last_to)
    return date_from, date_to


@blp.route("/recognition", methods=["GET"])
@blp.arguments(s.RecognitionQuery, location="query", as_kwargs=True)
@blp.response(200, s.RecognitionSchema)
@blp.errors(401, 403, 404, 422)
def get_recognition(date_from=None, date_to=None, branch_id=None):
    """The employees recognised for a period, and the most improved (managers, HR, admins).

    ``top``: at least the admin's minimum of approved audits (``recognition_min_audits``, 3), a
    mean score at or above ``recognition_threshold`` (90) and no critical failure, best mean
    first. ``most_improved``: the largest rises of mean score against the previous period of the
    same length, with the minimum of audits in both. Without ``from`` and ``to``: last month. A
    branch you may not see is 404."""
    require_role("admin", "manager", "hr")
    if branch_id is not None and (db.session.get(Branch, branch_id) is None
                                  or not can_see_branch(current(), branch_id)):
        not_found()
    date_from, date_to = period(date_from, date_to)
    found = rec.recognition(current(), date_from, date_to, branch_id)
    return {**found, "date_from": found["from"], "date_to": found["to"]}
