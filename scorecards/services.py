"""Scorecards between the file format, the database rows and the scoring engine.

``formats.py`` checks a file; this module turns a checked structure into rows and back, and gives
the scoring engine a version's spec. Nothing here knows about HTTP.
"""
from scorecards import scoring
from scorecards.models import Criterion, Scorecard, ScorecardVersion, Section

TYPE_SETTINGS = ("min", "max", "options", "unit", "target")


def build_version(scorecard: Scorecard, data: dict, number: int | None = None) -> ScorecardVersion:
    """A new draft version of ``scorecard`` holding the sections and criteria of ``data``."""
    if number is None:
        number = max((v.number for v in scorecard.versions), default=0) + 1
    version = ScorecardVersion(scorecard=scorecard, number=number, status="draft",
                               pass_mark=float(data.get("pass_mark", 80)),
                               critical_zeroes_score=bool(data.get("critical_zeroes_score", True)))
    for s_pos, s in enumerate(data.get("sections", [])):
        section = Section(key=s["key"], title=s.get("title") or s["key"], weight=float(s.get("weight", 1)),
                          position=s_pos)
        for c_pos, c in enumerate(s.get("criteria", [])):
            settings = {k: c[k] for k in TYPE_SETTINGS if k in c}
            scored = c["type"] in scoring.SCORED_TYPES and (c["type"] != "number" or "target" in c)
            section.criteria.append(Criterion(
                key=c["key"], type=c["type"], text=c.get("text") or c["key"], guidance=c.get("guidance"),
                weight=float(c.get("weight", 1)), allow_na=bool(c.get("allow_na", False)),
                critical=bool(c.get("critical", False)), required=bool(c.get("required", scored)),
                kpi=c.get("kpi"), settings=settings, position=c_pos))
        version.sections.append(section)
    return version


def version_to_dict(version: ScorecardVersion) -> dict:
    """The version as the scorecard file's structure (defaults written out)."""
    card = version.scorecard
    sections = []
    for section in version.sections:
        criteria = []
        for c in section.criteria:
            item = {"key": c.key, "type": c.type, "text": c.text}
            if c.guidance:
                item["guidance"] = c.guidance
            item.update({"weight": _num(c.weight), "allow_na": c.allow_na, "critical": c.critical,
                         "required": c.required})
            if c.kpi:
                item["kpi"] = c.kpi
            item.update(c.settings or {})
            criteria.append(item)
        sections.append({"key": section.key, "title": section.title, "weight": _num(section.weight),
                         "criteria": criteria})
    return {"slug": card.slug, "name": card.name, "channel": card.channel, "pass_mark": _num(version.pass_mark),
            "critical_zeroes_score": version.critical_zeroes_score, "sections": sections}


def _num(value: float):
    return int(value) if float(value).is_integer() else value


def spec_for_version(version: ScorecardVersion) -> scoring.ScorecardSpec:
    """What the scoring engine needs from a version's rows."""
    sections = []
    for section in version.sections:
        criteria = []
        for c in section.criteria:
            settings = c.settings or {}
            target = settings.get("target") or {}
            criteria.append(scoring.CriterionSpec(
                key=c.key, type=c.type, weight=c.weight, allow_na=c.allow_na, critical=c.critical,
                required=c.required, kpi=c.kpi, min=int(settings.get("min", 1)), max=int(settings.get("max", 5)),
                options={o["key"]: float(o["score"]) for o in settings.get("options", [])},
                target_op=target.get("op"), target_value=target.get("value")))
        sections.append(scoring.SectionSpec(section.key, section.weight, tuple(criteria)))
    return scoring.ScorecardSpec(tuple(sections), version.pass_mark, version.critical_zeroes_score)
