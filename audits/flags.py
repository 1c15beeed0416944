"""Evidence flags: facts about how an audit was made that a reviewer should look at twice (the
audit page and ``flags`` in the API). A flag is a hint, never a verdict: nothing is refused."""
from math import asin, cos, radians, sin, sqrt

from flask_babel import gettext as _

from audits.models import Audit

FAR_METRES = 500
SHORT_SECONDS = 60


def distance_metres(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance (haversine) on a sphere of the Earth's mean radius."""
    p1, p2 = radians(lat1), radians(lat2)
    a = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lng2 - lng1) / 2) ** 2
    return 2 * 6_371_000 * asin(sqrt(a))


def flags_of(audit: Audit) -> list[dict]:
    """``[{"code", "message"}]``: ``far_checkin`` (checked in more than 500 m from the branch, when
    the branch says where it is), ``photo_after_submit`` (a photo uploaded after the audit was
    submitted), ``short_audit`` (from start to end in under a minute)."""
    out = []
    branch = audit.branch
    if None not in (audit.checkin_lat, audit.checkin_lng, branch.latitude, branch.longitude):
        metres = distance_metres(audit.checkin_lat, audit.checkin_lng, branch.latitude, branch.longitude)
        if metres > FAR_METRES:
            out.append({"code": "far_checkin", "message": _("The check-in was %(metres)d m from the branch.",
                                                            metres=round(metres))})
    if audit.submitted_at is not None and any(p.created_at and p.created_at > audit.submitted_at
                                              for p in audit.photos):
        out.append({"code": "photo_after_submit", "message": _("A photo was uploaded after the audit was submitted.")})
    if audit.started_at and audit.ended_at and (audit.ended_at - audit.started_at).total_seconds() < SHORT_SECONDS:
        out.append({"code": "short_audit", "message": _("The audit took less than a minute.")})
    return out
