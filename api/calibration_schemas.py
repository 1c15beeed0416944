"""The schemas of calibration sessions (api/calibrations.py) and of the Auditors report's figures."""
import marshmallow as ma
from marshmallow import fields, validate

from api.common import MAX_ID, page_schema
from api.output import computed, viewer
from api.schemas import (
    ANSWERS,
    ANY,
    COMMENTS,
    AnswerValue,
    Bool,
    BranchRef,
    PageQuery,
    Query,
    Strict,
    UTCDateTime,
    not_blank,
)
from calibration import services
from calibration.display import criterion_text
from calibration.statistics import REASONS
from reports.filters import DAY_PATTERN, FIRST_DAY, LAST_DAY

LEVELS = ("nominal", "ordinal", "interval")
REASON = {"enum": list(REASONS), "description": "Why the figure is null: no_ratings (nobody answered), no_pairs "
          "(no session has two ratings to compare), one_value (every rating is the same: agreement beyond chance "
          "cannot be measured), no_expert (no expert to compare with); null when there is a figure."}
STAT = {"description": "-1 to 1 (1: perfect agreement, 0: what chance gives); null with the reason where too few "
                       "ratings exist."}


def _day(key, description):
    return fields.Date(data_key=key, validate=validate.Range(min=FIRST_DAY, max=LAST_DAY),
                       metadata={"description": description, "pattern": DAY_PATTERN})


def Stat(**kw):  # noqa: N802  (a field factory, read like a field class)
    return fields.Float(required=True, allow_none=True, metadata={**STAT, **kw.pop("metadata", {})}, **kw)


def Reason():  # noqa: N802
    return fields.String(required=True, allow_none=True, metadata=REASON)


class PersonRef(ma.Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)


def _participant(obj):
    """A CalibrationParticipant, or a row of services.results that holds one."""
    return obj["participant"] if isinstance(obj, dict) else obj


def _answered(participant) -> int:
    rated = {c.key for c in participant.session.version.criteria if c.type in services.RATED}
    return len([key for key in (participant.answers or {}) if key in rated])


class ParticipantSchema(PersonRef):
    """A participant: their user's id, e-mail and name, and how far they are (never what they answered)."""

    id = computed(fields.Integer(required=True), lambda obj: _participant(obj).user.id)
    email = computed(fields.String(required=True), lambda obj: _participant(obj).user.email)
    name = computed(fields.String(required=True), lambda obj: _participant(obj).user.name)
    expert = computed(fields.Boolean(required=True, metadata={
        "description": "This participant's answers are the key."}), lambda obj: _participant(obj).is_expert)
    submitted = computed(fields.Boolean(required=True, metadata={
        "description": "Finished and submitted their answers."}),
        lambda obj: _participant(obj).submitted_at is not None)
    answered = computed(fields.Integer(required=True, metadata={
        "description": "How many questions they answered (not which, nor how: scoring is blind)."}),
        lambda obj: _answered(_participant(obj)))


def _my_answers(session):
    mine = session.participant_of(viewer().id)
    return dict(mine.answers or {}) if mine is not None else None


class CalibrationSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    subject = fields.String(required=True, metadata={"description": "What everyone scores: a link to the recording "
                                                                    "or transcript, or a described visit."})
    scorecard = fields.String(required=True, attribute="version.scorecard.slug",
                              metadata={"description": "The scorecard's slug."})
    version = fields.Integer(required=True, attribute="version.number",
                             metadata={"description": "The scorecard version scored."})
    branch = fields.Nested(BranchRef, required=True, allow_none=True)
    due_date = fields.Date(required=True, allow_none=True, metadata={
        "description": "The last day to score; from the day after, the session is closed."})
    status = computed(fields.String(required=True, validate=validate.OneOf(("open", "closed"))),
                      lambda session: "closed" if session.closed_on() else "open")
    closed_on = computed(fields.Date(required=True, allow_none=True), lambda session: session.closed_on())
    created_by = fields.Nested(PersonRef, required=True, allow_none=True)
    created_at = UTCDateTime(required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)
    my_answers = computed(fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True, metadata=ANY),
                                      required=True, allow_none=True, metadata={
                                          "description": "Your own answers (null: you do not take part)."}),
                          _my_answers)
    can_close = computed(fields.Boolean(required=True), lambda session: services.can_close(viewer(), session))


CalibrationPage = page_schema(CalibrationSchema, "CalibrationPage")


class CalibrationQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(("open", "closed")), metadata={
        "description": "Only open or only closed sessions."})


class CalibrationIn(Strict):
    scorecard = fields.String(required=True, validate=validate.Length(min=1, max=80),
                              metadata={"description": "The scorecard's slug."})
    version = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "A published version; default: the latest."})
    title = fields.String(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    subject = fields.String(load_default="", validate=validate.Length(max=4000))
    participants = fields.List(fields.Email(validate=validate.Length(max=254)), required=True,
                               validate=validate.Length(min=2, max=50), metadata={
                                   "description": "E-mails of the auditors (or managers, admins) who score it."})
    expert = fields.Email(allow_none=True, validate=validate.Length(max=254), metadata={
        "description": "The e-mail of the expert whose answers are the key (not also a participant)."})
    due_date = fields.Date(allow_none=True, validate=validate.Range(min=FIRST_DAY, max=LAST_DAY),
                           metadata={"pattern": DAY_PATTERN})
    branch_id = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "The subject's branch; a manager's session is for one of their branches."})


class AnswersIn(Strict):
    # Any key: whether it names a criterion is the scorecard's (409), which OpenAPI cannot state.
    answers = fields.Dict(keys=fields.String(),
                          values=AnswerValue(), load_default=dict,
                          metadata=ANSWERS)
    comments = fields.Dict(keys=fields.String(),
                           values=fields.String(allow_none=True, validate=validate.Length(max=4000)),
                           load_default=dict, metadata=COMMENTS)
    submit = Bool(load_default=False, metadata={
        "description": "true: every required answer must be given (as on an audit's submit)."})


class AnswersQuery(Query):
    participant = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "A participant's user id (default: you); another's answers only once the session is "
                       "closed (403 before)."})


class AnswersSchema(ma.Schema):
    """A CalibrationParticipant's answers."""

    participant = computed(fields.Nested(ParticipantSchema, required=True), lambda participant: participant)
    answers = computed(fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True, metadata=ANY),
                                   required=True), lambda participant: dict(participant.answers or {}))
    comments = computed(fields.Dict(keys=fields.String(), values=fields.String(), required=True),
                        lambda participant: dict(participant.comments or {}))
    submitted_at = UTCDateTime(required=True, allow_none=True)
    score = fields.Float(required=True, allow_none=True, metadata={
        "description": "0-100 by the scoring engine once every required answer is given."})


class ResultParticipant(ParticipantSchema):
    """A row of services.results: ``{"participant", "score", "deviation", "within_tolerance"}``."""

    score = fields.Float(required=True, allow_none=True)
    deviation = fields.Float(required=True, allow_none=True, metadata={
        "description": "Score minus the expert's, in points; null without an expert score."})
    within_tolerance = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "Whether the deviation is within the tolerance setting."})


class ResultAnswer(ma.Schema):
    """``{"participant", "answer", "agrees"}`` of services.results' criteria."""

    participant = computed(fields.Integer(required=True, metadata={"description": "The participant's user id."}),
                           lambda row: row["participant"].user_id)
    email = computed(fields.String(required=True), lambda row: row["participant"].user.email)
    answer = fields.Raw(required=True, allow_none=True, metadata=ANY)
    agrees = fields.Boolean(required=True, allow_none=True)


class ResultCriterion(ma.Schema):
    key = fields.String(required=True)
    text = computed(fields.String(required=True), lambda row: criterion_text(row["criterion"]))
    type = fields.String(required=True)
    agreement = fields.Float(required=True, allow_none=True, metadata={
        "description": "Share (0-1) of the participants' answers equal to the expert's (basis expert), or that are "
                       "the most frequent answer (basis majority; reference null on a tie); null when none."})
    basis = fields.String(required=True, validate=validate.OneOf(("expert", "majority")))
    reference = fields.Raw(required=True, allow_none=True, metadata=ANY)
    answers = fields.List(fields.Nested(ResultAnswer), required=True)


class ResultsSchema(ma.Schema):
    """A closed session's results as calibration.services.results works them out (a computed view:
    the PDF reads the same dict)."""

    id = fields.Integer(required=True, attribute="session.id")
    tolerance = fields.Float(required=True, metadata={"description": "Points (the admin's setting)."})
    expert_score = fields.Float(required=True, allow_none=True)
    participants = fields.List(fields.Nested(ResultParticipant), required=True)
    criteria = fields.List(fields.Nested(ResultCriterion), required=True, metadata={
        "description": "Least agreement first."})


class AgreementQuery(Query):
    scorecard = fields.String(validate=validate.Length(min=1, max=80), metadata={
        "description": "The scorecard's slug; default: the scorecard of the latest closed session you may see."})
    date_from = _day("from", "First day (sessions closed from it); default: 12 months ago.")
    date_to = _day("to", "Last day, included; default: today.")


class CriterionAgreement(ma.Schema):
    key = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "The question, in your language."})
    type = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    alpha = Stat()
    reason = Reason()
    ratings = fields.Integer(required=True, metadata={"description": "Answers counted (N/A too, where it counts)."})


class AuditorAgreement(PersonRef):
    sessions = fields.Integer(required=True)
    kappa = Stat(metadata={"description": "Cohen's kappa against the expert over yes/no and choice answers."})
    kappa_reason = Reason()
    weighted_kappa = Stat(metadata={"description": "Quadratic-weighted kappa against the expert over scale answers."})
    weighted_kappa_reason = Reason()
    items = fields.Integer(required=True, metadata={"description": "Yes/no and choice answers compared."})
    scale_items = fields.Integer(required=True, metadata={"description": "Scale answers compared."})
    mean_deviation = fields.Float(required=True, allow_none=True, metadata={
        "description": "Mean distance (points, absolute) of their score from the expert's."})
    bias = fields.Float(required=True, allow_none=True, metadata={
        "description": "Mean signed deviation: above 0 they score higher than the expert."})


class AgreementSchema(ma.Schema):
    scorecard = fields.String(required=True)
    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    sessions = fields.Integer(required=True)
    alpha = Stat(metadata={"description": "Krippendorff's alpha over all criteria (nominal)."})
    reason = Reason()
    criteria = fields.List(fields.Nested(CriterionAgreement), required=True)
    auditors = fields.List(fields.Nested(AuditorAgreement), required=True)


class PeriodQuery(Query):
    date_from = _day("from", "First day; default: 12 months ago.")
    date_to = _day("to", "Last day, included; default: today.")


class AuditorMonth(ma.Schema):
    month = fields.Date(required=True, metadata={"description": "The month's first day."})
    sessions = fields.Integer(required=True)
    kappa = Stat()
    mean_deviation = fields.Float(required=True, allow_none=True)


class AuditorRow(PersonRef):
    audits_done = fields.Integer(required=True, metadata={"description": "Audits first submitted in the period."})
    on_time_rate = fields.Float(required=True, allow_none=True, metadata={
        "description": "Percentage of the planned ones (with a due date) first submitted by their due date."})
    return_rate = fields.Float(required=True, allow_none=True, metadata={
        "description": "Percentage of the audits done that were returned at least once."})
    approved = fields.Integer(required=True)
    disputes = fields.Integer(required=True)
    overturned = fields.Integer(required=True)
    overturn_rate = fields.Float(required=True, allow_none=True)
    kappa = Stat()
    mean_deviation = fields.Float(required=True, allow_none=True)
    months = fields.List(fields.Nested(AuditorMonth), required=True, metadata={
        "description": "Calibration by month: kappa against the expert and mean deviation."})


class AuditorsReport(ma.Schema):
    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    auditors = fields.List(fields.Nested(AuditorRow), required=True)


EXAMPLE_CALIBRATION = {"scorecard": "branch-visit", "title": "March call, order not delivered",
                       "subject": "Recording 2026-03-04 10:12, queue Orders",
                       "participants": ["auditor@veraz.example", "auditor2@veraz.example"],
                       "expert": "manager@veraz.example", "due_date": "2027-03-20"}
EXAMPLE_ANSWERS = {"answers": {"greeted": "yes", "courtesy": 4}, "comments": {"courtesy": "Friendly."},
                   "submit": False}
