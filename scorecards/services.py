"""Scorecards between the file format, the database rows and the scoring engine.

``formats.py`` checks a file; this module turns a checked structure into rows and back, and gives
the scoring engine a version's spec. Nothing here knows about HTTP.
"""
from collections.abc import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.timeutil import utcnow
from extensions import db
from scorecards import formats, reading, scoring
from scorecards.models import Criterion, PublishedVersionError, Scorecard, ScorecardVersion, Section
from scorecards.reading import Problem, ScorecardFileError

TYPE_SETTINGS = ("min", "max", "options", "unit", "target")


def build_version(scorecard: Scorecard, data: dict, number: int | None = None) -> ScorecardVersion:
    """A new draft version of ``scorecard`` holding the sections and criteria of ``data``."""
    if number is None:
        number = max((v.number for v in scorecard.versions), default=0) + 1
    version = ScorecardVersion(number=number, status="draft")
    scorecard.versions.append(version)  # through the collection, so the session cascade adds it
    _fill(version, data)
    return version


def _fill(version: ScorecardVersion, data: dict) -> None:
    version.pass_mark = float(data.get("pass_mark", 80))
    version.critical_zeroes_score = bool(data.get("critical_zeroes_score", True))
    for s_pos, s in enumerate(data.get("sections", [])):
        section = Section(key=s["key"], title=s.get("title") or s["key"], weight=float(s.get("weight", 1)),
                          position=s_pos)
        for c_pos, c in enumerate(s.get("criteria", [])):
            settings = {k: c[k] for k in TYPE_SETTINGS if c.get(k) is not None}
            scored = c["type"] in scoring.SCORED_TYPES and (c["type"] != "number" or "target" in settings)
            section.criteria.append(Criterion(
                key=c["key"], type=c["type"], text=c.get("text") or c["key"], guidance=c.get("guidance") or None,
                weight=float(c.get("weight", 1)), allow_na=bool(c.get("allow_na", False)),
                critical=bool(c.get("critical", False)), required=bool(c.get("required", scored)),
                kpi=c.get("kpi"), settings=settings, position=c_pos))
        version.sections.append(section)


def version_to_dict(version: ScorecardVersion) -> dict:
    """The version as the scorecard file's structure, defaults written out, keys in the format's order.

    The order is fixed here (not taken from the stored JSON) so that export, import and export
    again give identical text on SQLite and PostgreSQL alike.
    """
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
            item.update(_settings_out(c.settings or {}))
            criteria.append(item)
        sections.append({"key": section.key, "title": section.title, "weight": _num(section.weight),
                         "criteria": criteria})
    return {"slug": card.slug, "name": card.name, "channel": card.channel, "pass_mark": _num(version.pass_mark),
            "critical_zeroes_score": version.critical_zeroes_score, "sections": sections}


def _settings_out(settings: dict) -> dict:
    out = {}
    for key in TYPE_SETTINGS:
        if key not in settings or settings[key] is None:
            continue
        value = settings[key]
        if key == "options":
            value = [{"key": o["key"], "score": _num(o["score"]), "label": o["label"]} for o in value]
        elif key == "target":
            value = {"op": value["op"], "value": _num(value["value"])}
        elif key in ("min", "max"):
            value = int(value)
        out[key] = value
    return out


def _num(value: float):
    return int(value) if float(value).is_integer() else value


# Published versions never change, so their specs are kept; the key includes the database and the
# moment of publishing so that a recreated database with the same ids never gets an old spec.
_published_specs: dict = {}
_SPEC_CACHE_SIZE = 256


def spec_for_version(version: ScorecardVersion) -> scoring.ScorecardSpec:
    """What the scoring engine needs from a version's rows (kept for published versions)."""
    if version.status != "published" or version.id is None:
        return _build_spec(version)
    key = (str(db.engine.url), version.id, version.published_at)
    spec = _published_specs.get(key)
    if spec is None:
        if len(_published_specs) >= _SPEC_CACHE_SIZE:
            _published_specs.clear()
        spec = _published_specs[key] = _build_spec(version)
    return spec


def _build_spec(version: ScorecardVersion) -> scoring.ScorecardSpec:
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


# -- import, export, versions ------------------------------------------------------------------------

class ScorecardError(ValueError):
    """A scorecard action that is not possible (a clear message for the person who asked)."""


def versions_seen(user, scorecard: Scorecard) -> list[ScorecardVersion]:
    """The versions ``user`` may read: every one for an admin, the published ones for the others."""
    if user.role == "admin":
        return list(scorecard.versions)
    return [v for v in scorecard.versions if v.is_published]


def get_by_slug(slug: str) -> Scorecard | None:
    return db.session.scalar(db.select(Scorecard).where(Scorecard.slug == slug))


def plan_import(data: dict) -> str:
    """What importing the checked file ``data`` would do: "new", "new_version" or "replace_draft"."""
    card = get_by_slug(data["slug"])
    if card is None:
        return "new"
    return "replace_draft" if card.draft is not None else "new_version"


def import_scorecard(raw, publish: bool = False) -> ScorecardVersion:
    """Import a scorecard file (JSON bytes or text, or a dict); returns the draft version it became.

    The whole file is checked first (``formats.parse``); on any problem ScorecardFileError lists
    them all and nothing is written. Then:

    - a new slug makes a new scorecard with draft version 1;
    - a slug that exists gets a new draft version numbered after its latest one; but when that
      scorecard's latest version is still a draft, the draft's content is *replaced* rather than a
      second draft stacked on it (a scorecard has at most one draft, always its latest version);
    - the scorecard's name follows the file; its channel may not change (audits are filed under it).

    With ``publish=True`` the version is published at once. The session is flushed, not committed.
    """
    data = formats.parse(raw)
    card = get_by_slug(data["slug"])
    if card is None:
        card = Scorecard(slug=data["slug"], name=data["name"], channel=data["channel"], archived=False)
        db.session.add(card)
        version = build_version(card, data)
    else:
        if card.channel != data["channel"]:
            raise ScorecardFileError([Problem("channel", _l(
                "the scorecard %(slug)s exists with the channel %(channel)s, which cannot change",
                slug=card.slug, channel=card.channel))])
        card.name = data["name"]
        version = card.draft
        if version is not None:
            replace_content(version, data)
        else:
            version = build_version(card, data)
    db.session.flush()
    if publish:
        publish_version(version)
    return version


def replace_content(version: ScorecardVersion, data: dict) -> ScorecardVersion:
    """Replace a draft's sections, criteria and settings by those of the checked structure ``data``."""
    require_draft(version)
    if audit_count(version):
        raise ScorecardError(_l("Audits use this draft; publish it or start a new version."))
    version.sections.clear()
    db.session.flush()  # the old rows go before new ones with the same keys arrive
    _fill(version, data)
    db.session.flush()
    return version


def save_draft(version: ScorecardVersion, data: dict) -> ScorecardVersion:
    """Check a whole draft (as the file's structure) and store it: the builder's one way to write.

    The slug and channel stay the scorecard's own; the name is the scorecard's. Raises
    ScorecardFileError (every problem, by path) and changes nothing when the content is not valid.
    """
    require_draft(version)
    card = version.scorecard
    checked = formats.parse({**data, "slug": card.slug, "channel": card.channel})
    replace_content(version, checked)
    card.name = checked["name"]
    db.session.flush()
    return version


def require_draft(version: ScorecardVersion) -> None:
    if version.is_published:
        raise PublishedVersionError(
            f"Scorecard version {version.number} is published and cannot be changed")


def create_scorecard(slug: str, name, channel: str) -> ScorecardVersion:
    """A new scorecard with an empty draft version 1 (checked as a file would be)."""
    data = formats.parse({"slug": slug, "name": name, "channel": channel, "sections": []})
    if get_by_slug(data["slug"]) is not None:
        raise ScorecardFileError([Problem("slug", _l("%(slug)s is already the slug of another scorecard",
                                                              slug=data["slug"]))])
    card = Scorecard(slug=data["slug"], name=data["name"], channel=data["channel"], archived=False)
    db.session.add(card)
    version = build_version(card, data)
    db.session.flush()
    return version


def publish_problems(version: ScorecardVersion) -> list[Problem]:
    """Why a draft cannot be published yet (empty when it can)."""
    try:
        data = formats.parse(version_to_dict(version))
    except ScorecardFileError as exc:
        return exc.problems
    problems = []
    if not data["sections"]:
        problems.append(Problem("sections", _l("add at least one section before publishing")))
    for i, section in enumerate(data["sections"]):
        if not section["criteria"]:
            problems.append(Problem(f"sections[{i}].criteria",
                                    _l("a section needs at least one criterion")))
    spec = scoring.spec_from_dict(data)
    if data["sections"] and not any(c.scored for c in spec.criteria()):
        problems.append(Problem("sections", _l("add at least one scored criterion before publishing")))
    return problems


def publish_version(version: ScorecardVersion) -> ScorecardVersion:
    """Freeze a draft: from now on nothing may change it (the model guard enforces it)."""
    require_draft(version)
    problems = publish_problems(version)
    if problems:
        raise ScorecardFileError(problems)
    version.status = "published"
    version.published_at = utcnow()
    db.session.flush()
    return version


publish = publish_version


def start_new_draft(scorecard: Scorecard) -> ScorecardVersion:
    """The scorecard's draft: the existing one, or a new version copied from the latest version."""
    if scorecard.draft is not None:
        return scorecard.draft
    latest = scorecard.latest_version
    data = version_to_dict(latest) if latest is not None else {"sections": []}
    version = build_version(scorecard, data)
    db.session.flush()
    return version


def export_version(version: ScorecardVersion) -> dict:
    """The version as a scorecard file; importing it gives a version that exports identically."""
    return version_to_dict(version)


def export_json(version: ScorecardVersion) -> str:
    return reading.dumps(export_version(version))


def set_archived(scorecard: Scorecard, archived: bool) -> Scorecard:
    """Archived scorecards are offered for no new audit; their audits stay in reports."""
    scorecard.archived = archived
    db.session.flush()
    return scorecard


def archive(scorecard: Scorecard) -> Scorecard:
    return set_archived(scorecard, True)


def unarchive(scorecard: Scorecard) -> Scorecard:
    return set_archived(scorecard, False)


def scorecards_for_new_audits(channel: str | None = None) -> list[Scorecard]:
    """Scorecards that may be used for a new audit: not archived, with a published version."""
    query = db.select(Scorecard).where(Scorecard.archived.is_(False)).order_by(Scorecard.slug)
    if channel:
        query = query.where(Scorecard.channel == channel)
    return [card for card in db.session.scalars(query) if card.latest_published is not None]


# -- how many audits use a version ----------------------------------------------------------------
# Audits are filed against versions, and the audits package sits above this one: the application
# factory hands its query in (``count_audits_with``) rather than this module importing audits.

def count_audits_with(app, counter: Callable[[list[int]], dict[int, int]]) -> None:
    """``counter(version ids)`` returns {version id: audits using it}; versions without audits may be absent."""
    app.extensions["scorecards.count_audits"] = counter


def _count_audits(ids: list[int]) -> dict[int, int]:
    counter = current_app.extensions.get("scorecards.count_audits")
    if counter is None:  # fail loudly: without it a draft that audits use could be rewritten
        raise RuntimeError("No audit counter: create_app connects audits to scorecards (count_audits_with)")
    return counter(ids) if ids else {}


def audit_count(version: ScorecardVersion) -> int:
    if version.id is None:
        return 0
    return _count_audits([version.id]).get(version.id, 0)


def audit_counts(scorecard: Scorecard) -> dict[int, int]:
    """How many audits use each version of a scorecard: {version id: count}."""
    return _count_audits([v.id for v in scorecard.versions if v.id is not None])
