"""Scorecards between the file format, the database rows and the scoring engine.

``formats.py`` checks a file; this module turns a checked structure into rows and back, and gives
the scoring engine a version's spec. Nothing here knows about HTTP.
"""
from flask_babel import lazy_gettext as _l

from core.timeutil import utcnow
from extensions import db
from scorecards import formats, scoring
from scorecards.formats import Problem, ScorecardFileError
from scorecards.models import Criterion, PublishedVersionError, Scorecard, ScorecardVersion, Section

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
    _require_draft(version)
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
    _require_draft(version)
    card = version.scorecard
    checked = formats.parse({**data, "slug": card.slug, "channel": card.channel})
    replace_content(version, checked)
    card.name = checked["name"]
    db.session.flush()
    return version


def _require_draft(version: ScorecardVersion) -> None:
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
    _require_draft(version)
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
    return formats.dumps(export_version(version))


def set_archived(scorecard: Scorecard, archived: bool) -> Scorecard:
    """Archived scorecards are offered for no new audit; their audits stay in reports."""
    scorecard.archived = archived
    db.session.flush()
    return scorecard


def archive(scorecard: Scorecard) -> Scorecard:
    return set_archived(scorecard, True)


def unarchive(scorecard: Scorecard) -> Scorecard:
    return set_archived(scorecard, False)


def audit_count(version: ScorecardVersion) -> int:
    from audits.models import Audit

    if version.id is None:
        return 0
    return db.session.scalar(db.select(db.func.count(Audit.id)).where(Audit.version_id == version.id)) or 0


def audit_counts(scorecard: Scorecard) -> dict[int, int]:
    """How many audits use each version of a scorecard: {version id: count}."""
    from audits.models import Audit

    ids = [v.id for v in scorecard.versions if v.id is not None]
    if not ids:
        return {}
    rows = db.session.execute(db.select(Audit.version_id, db.func.count(Audit.id))
                              .where(Audit.version_id.in_(ids)).group_by(Audit.version_id))
    return {version_id: count for version_id, count in rows}


def scorecards_for_new_audits(channel: str | None = None) -> list[Scorecard]:
    """Scorecards that may be used for a new audit: not archived, with a published version."""
    query = db.select(Scorecard).where(Scorecard.archived.is_(False)).order_by(Scorecard.slug)
    if channel:
        query = query.where(Scorecard.channel == channel)
    return [card for card in db.session.scalars(query) if card.latest_published is not None]


# -- the builder's edits: each one changes the draft's structure and saves it through save_draft ------

def _draft_error(problems: list[Problem], prefix: str) -> ScorecardFileError:
    exc = ScorecardFileError(problems)
    exc.prefix = prefix
    return exc


def _find_section(data: dict, key: str) -> int:
    for i, section in enumerate(data["sections"]):
        if section["key"] == key:
            return i
    raise KeyError(key)


def _find_criterion(data: dict, key: str) -> tuple[int, int]:
    for i, section in enumerate(data["sections"]):
        for j, criterion in enumerate(section["criteria"]):
            if criterion["key"] == key:
                return i, j
    raise KeyError(key)


def find_section(version: ScorecardVersion, key: str) -> Section | None:
    return next((s for s in version.sections if s.key == key), None)


def find_criterion(version: ScorecardVersion, key: str) -> Criterion | None:
    return next((c for c in version.criteria if c.key == key), None)


def _save(version: ScorecardVersion, data: dict, prefix: str = "") -> ScorecardVersion:
    try:
        return save_draft(version, data)
    except ScorecardFileError as exc:
        raise _draft_error(exc.problems, prefix) from None


def update_settings(version: ScorecardVersion, name, pass_mark, critical_zeroes_score: bool) -> ScorecardVersion:
    _require_draft(version)
    data = version_to_dict(version)
    data.update(name=name, pass_mark=pass_mark, critical_zeroes_score=critical_zeroes_score)
    return _save(version, data)


def put_section(version: ScorecardVersion, old_key: str | None, fields: dict) -> str:
    """Add a section (old_key None, at the end) or change one; ``fields``: key, title, weight.
    Returns the path of the section in the file's structure (for error messages)."""
    _require_draft(version)
    data = version_to_dict(version)
    if old_key is None:
        index = len(data["sections"])
        data["sections"].append({"criteria": [], **fields})
    else:
        index = _find_section(data, old_key)
        data["sections"][index] = {**data["sections"][index], **fields}
    prefix = f"sections[{index}]"
    new_key = fields.get("key")
    if new_key != old_key and any(s["key"] == new_key for i, s in enumerate(data["sections"]) if i != index):
        raise _draft_error([Problem(f"{prefix}.key", _l("%(key)s is already the key of another section",
                                                        key=new_key))], prefix)
    _save(version, data, prefix)
    return prefix


def move_section(version: ScorecardVersion, key: str, delta: int) -> None:
    _require_draft(version)
    data = version_to_dict(version)
    i = _find_section(data, key)
    j = i + delta
    if 0 <= j < len(data["sections"]):
        data["sections"][i], data["sections"][j] = data["sections"][j], data["sections"][i]
        _save(version, data)


def remove_section(version: ScorecardVersion, key: str) -> None:
    _require_draft(version)
    data = version_to_dict(version)
    del data["sections"][_find_section(data, key)]
    _save(version, data)


def put_criterion(version: ScorecardVersion, section_key: str, old_key: str | None, fields: dict) -> str:
    """Add a criterion to a section (old_key None, at its end) or change one (it may move to another
    section: then it goes to that section's end). ``fields`` holds the criterion as in the file.
    Returns its path; on problems raises ScorecardFileError with ``prefix`` set to that path."""
    _require_draft(version)
    data = version_to_dict(version)
    target = _find_section(data, section_key)
    position = None
    if old_key is not None:
        i, j = _find_criterion(data, old_key)
        del data["sections"][i]["criteria"][j]
        if i == target:
            position = j
    criteria = data["sections"][target]["criteria"]
    if position is None:
        position = len(criteria)
    criteria.insert(position, fields)
    prefix = f"sections[{target}].criteria[{position}]"
    new_key = fields.get("key")
    others = [c["key"] for s in data["sections"] for c in s["criteria"] if c is not fields]
    if new_key in others:
        raise _draft_error([Problem(f"{prefix}.key", _l(
            "%(key)s is already the key of another criterion; a criterion key is unique within its scorecard",
            key=new_key))], prefix)
    _save(version, data, prefix)
    return prefix


def move_criterion(version: ScorecardVersion, key: str, delta: int) -> None:
    _require_draft(version)
    data = version_to_dict(version)
    i, j = _find_criterion(data, key)
    criteria = data["sections"][i]["criteria"]
    k = j + delta
    if 0 <= k < len(criteria):
        criteria[j], criteria[k] = criteria[k], criteria[j]
        _save(version, data)


def remove_criterion(version: ScorecardVersion, key: str) -> None:
    _require_draft(version)
    data = version_to_dict(version)
    i, j = _find_criterion(data, key)
    del data["sections"][i]["criteria"][j]
    _save(version, data)
