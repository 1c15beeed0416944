"""Impact preview: the replay of 10,000 approved audits under a draft (scorecards/replay.py), against
scoring the same answers with their published version (the engine alone), in the same run. Goal:
under 2 s, so that an admin can use the preview while editing a draft.

    DATABASE_URL=sqlite:///... .venv/bin/python -m bench.parts.impact      # on a generated data set

The audits come from the data set (reports/impact.py's query over the preview's default period, the
last 90 days, timed apart as "load"); fewer than 10,000 approved audits of one scorecard there are
cycled up to 10,000.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date

from bench.parts.common import bench_app, median, timed

AUDITS = 10_000


def draft_of(spec):
    """A plausible draft: every other criterion weighs double and the first yes/no turns critical."""
    from scorecards.scoring import SectionSpec

    made_critical = False
    sections = []
    for section in spec.sections:
        criteria = []
        for n, criterion in enumerate(section.criteria):
            changes = {"weight": criterion.weight * 2} if n % 2 else {}
            if not made_critical and criterion.type == "yes_no" and not criterion.critical:
                changes["critical"], made_critical = True, True
            criteria.append(dataclasses.replace(criterion, **changes))
        sections.append(SectionSpec(section.key, section.weight, tuple(criteria)))
    return dataclasses.replace(spec, sections=tuple(sections))


def job_impact(job: dict) -> dict:
    from sqlalchemy import func, select

    from audits.models import Audit
    from extensions import db
    from reports.impact import default_period, past_audits
    from scorecards.models import ScorecardVersion
    from scorecards.replay import replay
    from scorecards.scoring import score
    from scorecards.services import spec_for_version

    app = bench_app()
    repeat = job.get("repeat", 5)
    admin = type("Admin", (), {"role": "admin"})()  # every branch in scope
    with app.app_context():
        card_id = db.session.execute(
            select(ScorecardVersion.scorecard_id, func.count()).join(Audit, Audit.version_id == ScorecardVersion.id)
            .where(Audit.status == "approved").group_by(ScorecardVersion.scorecard_id)
            .order_by(func.count().desc()).limit(1)).scalar()
        if card_id is None:
            return {"missing": True, "why": "no approved audits in the data set"}
        versions = db.session.scalars(select(ScorecardVersion).where(ScorecardVersion.scorecard_id == card_id,
                                                                     ScorecardVersion.status == "published")).all()
        specs = {v.id: spec_for_version(v) for v in versions}
        period = default_period()
        load_times, loaded = timed(lambda: past_audits(card_id, *period, admin), max(1, repeat // 2))
        if not loaded:  # an old data set: everything it has
            loaded = past_audits(card_id, date(2000, 1, 1), date(2100, 1, 1), admin)
    audits = (loaded * (AUDITS // max(1, len(loaded)) + 1))[:AUDITS]
    latest = max(versions, key=lambda v: v.number)
    draft = draft_of(specs[latest.id])

    def floor():
        for audit in audits:
            score(specs[audit.version_id], audit.answers)

    replay_times, impact = timed(lambda: replay(draft, audits, specs, specs[latest.id].pass_mark), repeat)
    floor_times, _ = timed(floor, repeat)
    out = {"audits": len(audits), "distinct_audits": len(loaded), "repeat": repeat,
           "replay_median_s": round(median(replay_times), 3), "floor_median_s": round(median(floor_times), 3),
           "load_median_s": round(median(load_times), 3),
           "mean_before": impact.mean_before, "mean_after": impact.mean_after, "goal_s": 2.0}
    out["ratio"] = round(out["replay_median_s"] / out["floor_median_s"], 2)
    return out


if __name__ == "__main__":
    print(json.dumps(job_impact({"repeat": int(sys.argv[1]) if len(sys.argv) > 1 else 5}), indent=2))
