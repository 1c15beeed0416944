"""Agreement over a period: which closed sessions count, their answers gathered for
statistics.py (Krippendorff's alpha per criterion and over all, Cohen's kappa per auditor against
the expert, mean deviation), and each auditor's figures by month for the Auditors report."""
from collections import defaultdict
from datetime import date

from accounts.permissions import branch_ids_in_scope
from calibration import statistics as stats
from calibration.models import CalibrationSession
from calibration.services import RATED
from core.i18n import lang
from core.texts import pick
from extensions import db
from scorecards.models import ScorecardVersion


def closed_sessions(user, date_from: date, date_to: date, scorecard_id: int | None = None) -> list:
    """The sessions closed between ``date_from`` and ``date_to`` (both included) that ``user`` may
    read figures of: admins and HR every one, managers those of their branches. A session closed by
    its deadline counts from its due date. Read in Python: sessions are few (tens a month)."""
    query = db.select(CalibrationSession).join(ScorecardVersion, ScorecardVersion.id == CalibrationSession.version_id)
    if scorecard_id is not None:
        query = query.where(ScorecardVersion.scorecard_id == scorecard_id)
    scope = branch_ids_in_scope(user) if user is not None else None
    if scope is not None:
        query = query.where(CalibrationSession.branch_id.in_(scope or {-1}))
    query = query.where(db.or_(CalibrationSession.closed_at.is_not(None), CalibrationSession.due_date.is_not(None)))
    today = date.today()
    out = []
    for session in db.session.scalars(query.order_by(CalibrationSession.id)):
        day = session.closed_on(today)
        if day is not None and date_from <= day <= date_to:
            out.append(session)
    return out


def latest_scorecard(user):
    """The scorecard of the latest session closed that ``user`` may read figures of (a default)."""
    from datetime import timedelta

    sessions = closed_sessions(user, date(2000, 1, 1), date.today() + timedelta(days=1))
    latest = max(sessions, key=lambda s: (s.closed_on(), s.id), default=None)
    return latest.version.scorecard if latest is not None else None


def _criteria(sessions) -> dict:
    """key -> (type, position) over the sessions' versions: the newest version names the type."""
    out = {}
    for session in sorted(sessions, key=lambda s: (s.version.number, s.id)):
        for position, c in enumerate(session.version.criteria):
            if c.type in RATED:
                out[c.key] = (c.type, position, c.text)
    return dict(sorted(out.items(), key=lambda item: item[1][1]))


def agreement(sessions) -> dict:
    """Alpha per criterion and over all criteria; kappa, weighted kappa and mean deviation per
    auditor (every participant who is not the session's expert)."""
    criteria = _criteria(sessions)
    units = {key: (kind, {}) for key, (kind, _pos, _text) in criteria.items()}
    for session in sessions:
        for key in units:
            kind, by_session = units[key]
            if key not in {c.key for c in session.version.criteria}:
                continue
            by_session[session.id] = {p.user_id: (p.answers or {}).get(key) for p in session.participants}
    per_criterion = []
    for key, (kind, by_session) in units.items():
        result = stats.criterion_alpha(kind, by_session)
        per_criterion.append({"key": key, "text": pick(criteria[key][2], lang()), "type": kind,
                              "level": stats.level_of(kind), "alpha": result.value,
                              "reason": result.reason, "ratings": result.n})
    overall = stats.overall_alpha(units)
    return {"alpha": overall.value, "reason": overall.reason, "ratings": overall.n, "sessions": len(sessions),
            "criteria": per_criterion, "auditors": auditor_figures(sessions)}


def auditor_figures(sessions) -> list[dict]:
    """Per auditor, pooled over ``sessions``: kappa against each session's expert (yes/no and
    choice), weighted kappa (scale), how many answers were compared, and the mean distance of their
    score from the expert's (``mean_deviation``, absolute points; ``bias``, signed)."""
    pooled = defaultdict(lambda: {"nominal": [], "scale": [], "deviations": [], "sessions": 0, "user": None})
    for session in sessions:
        expert = session.expert
        kinds = {c.key: c.type for c in session.version.criteria if c.type in RATED}
        for p in session.participants:
            if p.is_expert:
                continue
            row = pooled[p.user_id]
            row["user"] = p.user
            row["sessions"] += 1
            if expert is None:
                continue
            for key, kind in kinds.items():
                pair = ((p.answers or {}).get(key), (expert.answers or {}).get(key))
                if kind in stats.NOMINAL_TYPES:
                    row["nominal"].append(pair)
                elif kind == "scale":
                    row["scale"].append(pair)
            row["deviations"].append(stats.deviation(p.score, expert.score))
    out = []
    for user_id, row in pooled.items():
        has_expert = any(s.expert is not None and s.participant_of(user_id) is not None for s in sessions)
        kappa = stats.kappa(row["nominal"]) if has_expert else stats.Stat(None, stats.NO_EXPERT)
        weighted = stats.weighted_kappa(row["scale"]) if has_expert else stats.Stat(None, stats.NO_EXPERT)
        deviations = [d for d in row["deviations"] if d is not None]
        out.append({"id": user_id, "email": row["user"].email, "name": row["user"].name, "sessions": row["sessions"],
                    "kappa": kappa.value, "kappa_reason": kappa.reason, "weighted_kappa": weighted.value,
                    "weighted_kappa_reason": weighted.reason, "items": kappa.n, "scale_items": weighted.n,
                    "mean_deviation": stats.mean(abs(d) for d in deviations),
                    "bias": stats.mean(deviations)})
    return sorted(out, key=lambda r: (r["name"], r["id"]))


def monthly(sessions) -> dict[int, list[dict]]:
    """user id -> [{month, sessions, kappa, mean_deviation}] in month order, pooled over every
    scorecard: the trend on the Auditors report."""
    by_month = defaultdict(list)
    for session in sessions:
        day = session.closed_on()
        by_month[date(day.year, day.month, 1)].append(session)
    out = defaultdict(list)
    for month in sorted(by_month):
        for row in auditor_figures(by_month[month]):
            out[row["id"]].append({"month": month, "sessions": row["sessions"], "kappa": row["kappa"],
                                   "mean_deviation": row["mean_deviation"]})
    return dict(out)
