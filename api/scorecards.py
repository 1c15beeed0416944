"""Scorecards: every role reads the published ones (auditors need the questions); admins also
see drafts and archived scorecards, import scorecard files and publish.

Files are checked by scorecards/formats.py and imported by scorecards/services.py, exactly as
``flask scorecards import`` and the builder do.
"""
from flask_babel import gettext as _

from api import impact_schemas as impact_s
from api import scorecard_schemas as s
from api.common import current, fail, json_body, make_blueprint, not_found, paginate, require_role
from extensions import db
from reports import impact
from scorecards import services
from scorecards.models import PublishedVersionError, Scorecard, ScorecardVersion
from scorecards.reading import ScorecardFileError

blp = make_blueprint("scorecards_api", "Scorecards and their versions. Read: everyone (published versions; "
                     "admins also drafts). Import and publish: admin.")


def version_out(version: ScorecardVersion) -> dict:
    """The version in the scorecard file's form (services.export_version, which the file download
    writes too) plus its version facts: a dict, since the file's form is made by the service."""
    data = services.export_version(version)
    data.update(version=version.number, status=version.status, published_at=version.published_at,
                versions=services.versions_seen(current(), version.scorecard))
    return data


def _problems(exc: ScorecardFileError):
    messages = [str(p) for p in exc.problems]
    fail(422, _("The scorecard file has %(count)d problem(s): %(problems)s", count=len(messages),
                problems="; ".join(messages[:5])),
         {"problems": [{"path": p.path, "message": str(p.message)} for p in exc.problems]})


def _card_or_404(slug) -> Scorecard:
    card = services.get_by_slug(slug)
    if card is None or (current().role != "admin" and card.latest_published is None):
        not_found()
    return card


@blp.route("/scorecards", methods=["GET"])
@blp.arguments(s.ScorecardListQuery, location="query", as_kwargs=True)
@blp.response(200, s.ScorecardPage)
@blp.errors(401)
def list_scorecards(page, per_page, channel=None):
    """Scorecards: for admins all of them; for everyone else those in use (published, not archived)."""
    query = db.select(Scorecard).order_by(Scorecard.slug)
    if current().role != "admin":
        query = query.where(Scorecard.archived.is_(False),
                            Scorecard.versions.any(ScorecardVersion.status == "published"))
    if channel:
        query = query.where(Scorecard.channel == channel)
    return paginate(query, {"page": page, "per_page": per_page})


@blp.route("/scorecards/<slug>", methods=["GET"])
@blp.arguments(s.ScorecardQuery, location="query", as_kwargs=True)
@blp.response(200, s.ScorecardSchema)
@blp.errors(401, 404)
def get_scorecard(slug, version=None):
    """A scorecard version in the scorecard file's form: the latest published one, or ``?version=N``."""
    card = _card_or_404(slug)
    versions = services.versions_seen(current(), card)
    if version is not None:
        chosen = next((v for v in versions if v.number == version), None)
    else:
        chosen = card.latest_published or (card.latest_version if current().role == "admin" else None)
    if chosen is None:
        not_found()
    return version_out(chosen)


@blp.route("/scorecards", methods=["POST"])
@blp.doc(requestBody={"required": True, "description": "A scorecard file.",
                      "content": {"application/json": {"schema": s.SCORECARD_FILE,
                                                       "example": s.EXAMPLE_SCORECARD_FILE}}})
@blp.response(201, s.ScorecardSchema, description="The draft version the file became.")
@blp.errors(400, 401, 403, 409, 422)
def import_scorecard():
    """Import a scorecard file (admin): a new scorecard, or a new draft version of the one with the
    same slug (its existing draft is replaced). A file with problems changes nothing: 422 lists
    every problem by path."""
    require_role("admin")
    data = json_body()
    if not isinstance(data, dict):
        fail(422, _("A scorecard file is a JSON object."),
             {"problems": [{"path": "", "message": "expected an object"}]})
    try:
        version = services.import_scorecard(data)
    except ScorecardFileError as exc:
        db.session.rollback()
        _problems(exc)
    except (services.ScorecardError, PublishedVersionError) as exc:
        db.session.rollback()
        fail(409, str(exc))
    db.session.commit()
    return version_out(version)


@blp.route("/scorecards/<slug>/publish", methods=["POST"])
@blp.response(200, s.ScorecardSchema, description="The version just published.")
@blp.errors(401, 403, 404, 409, 422)
def publish_scorecard(slug):
    """Publish the scorecard's draft (admin): it is frozen from now on and new audits use it."""
    require_role("admin")
    card = _card_or_404(slug)
    draft = card.draft
    if draft is None:
        fail(409, _("The scorecard %(slug)s has no draft to publish.", slug=card.slug), code="no_draft")
    try:
        services.publish_version(draft)
    except ScorecardFileError as exc:
        db.session.rollback()
        _problems(exc)
    db.session.commit()
    return version_out(draft)



@blp.route("/scorecards/<slug>/preview", methods=["POST"])
@blp.arguments(impact_s.PreviewIn, required=False, example=impact_s.EXAMPLE_PREVIEW)
@blp.response(200, impact_s.PreviewSchema)
@blp.errors(401, 403, 404, 409, 422)
def preview_scorecard(data, slug):
    """Preview the impact of a draft (admin): the period's approved audits of this scorecard
    replayed under the draft, before and after; nothing is written (docs/scoring.md).
    409 when the version is not a draft, and for a period that ends before it starts (two values
    of the body against each other, which OpenAPI cannot state: ``reversed_period``, as elsewhere)."""
    require_role("admin")
    card = _card_or_404(slug)
    number = data.get("version")
    if number is None:
        version = card.draft
        if version is None:
            fail(409, _("The scorecard %(slug)s has no draft to preview.", slug=card.slug), code="no_draft")
    else:
        version = next((v for v in card.versions if v.number == number), None)
        if version is None:
            not_found()
        if version.is_published:
            fail(409, _("Version %(n)d is published: only a draft can be previewed.", n=number), code="not_draft")
    try:
        date_from, date_to = impact.resolve_period(data.get("date_from"), data.get("date_to"))
    except ValueError:
        fail(409, _("The end of the period comes before its start."), {"to": ["Before from."]}, "reversed_period")
    return impact.preview(version, date_from, date_to, current()).as_dict()
