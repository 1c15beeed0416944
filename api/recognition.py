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


@blp.route("/recognition", methods=["GET"])
@blp.arguments(s.RecognitionQuery, location="query", as_kwargs=True)
@blp.response(200, s.RecognitionSchema)
@blp.errors(401, 403, 404, 422)
def get_recognition(date_from=None, date_to=None, branch_id=None):
    """The employees recognised for a period, and the most improved (managers, HR, admins).

    ``top``: at least the admin's minimum of approved audits (``recognition_min_audits``, 3), a
    mean score at or above ``recognition_threshold`` (90) and no critical failure, best mean
    first. ``most_improved``: the largest rises of mean score against the previous period of the
    same length, with the minimum of audits in both. Without ``from`` and ``to``: last month; only
    ``to``: from the first day of its month; only ``from``: up to today. A branch you may not see
    is 404."""
    require_role("admin", "manager", "hr")
    if branch_id is not None and (db.session.get(Branch, branch_id) is None
                                  or not can_see_branch(current(), branch_id)):
        not_found()
    date_from, date_to = rec.period_of(date_from, date_to, utcnow().date())
    found = rec.recognition(current(), date_from, date_to, branch_id)  # computed figures, not a model
    return {**found, "date_from": found["from"], "date_to": found["to"]}
