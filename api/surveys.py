"""Customer surveys: single-use links for a contact-centre system to send, revoking a link, and
the responses of the branches in scope (surveys/services.py has every rule)."""
from api import survey_schemas as s
from api.common import ID, current, make_blueprint, not_found, paginate, require_role
from extensions import db
from surveys import services
from surveys.models import SurveyLink

blp = make_blueprint("surveys_api", "Customer surveys: single-use links and the responses (admin, manager for "
                     "their branches, hr reads).")

LINK_ROLES = ("admin", "manager")
READERS = ("admin", "manager", "hr")


@blp.route("/surveys/links", methods=["POST"])
@blp.arguments(s.SurveyLinkIn, example=s.EXAMPLE_LINK)
@blp.response(201, s.SurveyLinkSchema)
@blp.errors(401, 403, 404, 422)
def create_survey_link(data):
    """Make a single-use survey link, for after a call or chat (a contact-centre system sends its
    ``url`` by SMS or e-mail): it takes one answer, then closes. An admin, or a manager of the
    branch; ``employee_id`` names who served, of that branch."""
    require_role(*LINK_ROLES)
    link = services.create_link(current(), data["branch_id"], data.get("employee_id"), single_use=True,
                                language=data.get("language"))
    db.session.commit()
    return link


@blp.route(f"/surveys/links/<{ID}:link_id>/revoke", methods=["POST"])
@blp.response(200, s.SurveyLinkSchema)
@blp.errors(401, 403, 404)
def revoke_survey_link(link_id):
    """Revoke a survey link: it stops taking answers at once; its responses stay."""
    require_role(*LINK_ROLES)
    link = db.session.get(SurveyLink, link_id)
    if link is None or not services.can_see_link(current(), link):
        not_found()
    services.revoke_link(current(), link)
    db.session.commit()
    return link


@blp.route("/surveys/responses", methods=["GET"])
@blp.arguments(s.SurveyResponseQuery, location="query")
@blp.response(200, s.SurveyResponsePage)
@blp.errors(401, 403, 404)
def list_survey_responses(args):
    """Survey responses of the branches in your scope, newest first, comments included unless a
    manager hid them. Admins, HR, and managers for their branches; ``branch_id`` of another branch
    is 404."""
    require_role(*READERS)
    query = services.responses_query(current(), args.get("branch_id"), args.get("date_from"), args.get("date_to"))
    return paginate(query, args)
