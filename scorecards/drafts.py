"""The builder's edits to a draft: each one changes the draft's structure (as the file has it) and
saves it through ``services.save_draft``, which checks the whole draft against the format's rules."""
from flask_babel import lazy_gettext as _l

from scorecards.models import Criterion, ScorecardVersion, Section
from scorecards.reading import Problem, ScorecardFileError
from scorecards.services import require_draft, save_draft, version_to_dict


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
    require_draft(version)
    data = version_to_dict(version)
    data.update(name=name, pass_mark=pass_mark, critical_zeroes_score=critical_zeroes_score)
    return _save(version, data)


def put_section(version: ScorecardVersion, old_key: str | None, fields: dict) -> str:
    """Add a section (old_key None, at the end) or change one; ``fields``: key, title, weight.
    Returns the path of the section in the file's structure (for error messages)."""
    require_draft(version)
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
    require_draft(version)
    data = version_to_dict(version)
    i = _find_section(data, key)
    j = i + delta
    if 0 <= j < len(data["sections"]):
        data["sections"][i], data["sections"][j] = data["sections"][j], data["sections"][i]
        _save(version, data)


def remove_section(version: ScorecardVersion, key: str) -> None:
    require_draft(version)
    data = version_to_dict(version)
    del data["sections"][_find_section(data, key)]
    _save(version, data)


def put_criterion(version: ScorecardVersion, section_key: str, old_key: str | None, fields: dict) -> str:
    """Add a criterion to a section (old_key None, at its end) or change one (it may move to another
    section: then it goes to that section's end). ``fields`` holds the criterion as in the file.
    Returns its path; on problems raises ScorecardFileError with ``prefix`` set to that path."""
    require_draft(version)
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
    require_draft(version)
    data = version_to_dict(version)
    i, j = _find_criterion(data, key)
    criteria = data["sections"][i]["criteria"]
    k = j + delta
    if 0 <= k < len(criteria):
        criteria[j], criteria[k] = criteria[k], criteria[j]
        _save(version, data)


def remove_criterion(version: ScorecardVersion, key: str) -> None:
    require_draft(version)
    data = version_to_dict(version)
    i, j = _find_criterion(data, key)
    del data["sections"][i]["criteria"][j]
    _save(version, data)
