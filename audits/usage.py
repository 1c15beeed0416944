"""How many audits use each scorecard version: handed to the scorecards package by the application
factory (scorecards sit below audits and do not import them)."""
from audits.models import Audit
from extensions import db


def audits_per_version(version_ids: list[int]) -> dict[int, int]:
    """{version id: number of audits filed against it}; versions without audits are absent."""
    rows = db.session.execute(db.select(Audit.version_id, db.func.count(Audit.id))
                              .where(Audit.version_id.in_(version_ids)).group_by(Audit.version_id))
    return {version_id: count for version_id, count in rows}
