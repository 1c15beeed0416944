"""The scorecard file (docs/scorecard-format.md): read it, check every rule, name every problem.

``parse(raw)`` takes the file's bytes (or text, or an already decoded dict) and returns the
scorecard's structure with every default written out, or raises ``ScorecardFileError`` listing
*all* the problems found, each as ``path: rule`` (``sections[1].criteria[0].options: a choice needs
at least two options``). Nothing here touches the database: callers validate fully first, then
build rows, so a bad file is never half imported. Reading the bytes as strict JSON, and the
error that lists the problems, are in scorecards/reading.py.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from scorecards.models import CHANNELS, CRITERION_TYPES, KPI_TAGS, SCORED_TYPES
from scorecards.reading import Problem, ScorecardFileError, decode

KEY_RE = re.compile(r"^[a-z0-9_-]+$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
MAX_SLUG = 80
MAX_KEY = 64
MAX_TEXT = 4000
MAX_SECTIONS = 100
MAX_CRITERIA = 500
MAX_OPTIONS = 50

TOP_KEYS = ("slug", "name", "channel", "pass_mark", "critical_zeroes_score", "sections")
SECTION_KEYS = ("key", "title", "weight", "criteria")
COMMON_KEYS = ("key", "type", "text", "guidance", "weight", "allow_na", "critical", "required", "kpi")
TYPE_KEYS = {"scale": ("min", "max"), "choice": ("options",), "number": ("unit", "target")}
ALL_CRITERION_KEYS = COMMON_KEYS + ("min", "max", "options", "unit", "target")
OPTION_KEYS = ("key", "score", "label")
TARGET_KEYS = ("op", "value")
TARGET_OPS = ("<=", ">=")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value) -> bool:
    return _is_number(value) and float(value).is_integer()


def _num(value):
    """Whole floats as ints, so that 2.0 and 2 export alike."""
    return int(value) if float(value).is_integer() else float(value)


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


class _Checker:
    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, path, message):
        self.problems.append(Problem(path, message))

    # -- shared pieces ---------------------------------------------------------------------------
    def object(self, value, path, allowed) -> bool:
        if not isinstance(value, Mapping):
            self.add(path, _l("expected an object"))
            return False
        for key in value:
            if key not in allowed:
                self.add(_join(path, key), _l("unknown key %(key)s; allowed here: %(allowed)s",
                                              key=json.dumps(key), allowed=", ".join(allowed)))
        return True

    def key(self, value, path, max_len=MAX_KEY):
        if not isinstance(value, str) or not value:
            self.add(path, _l("required: lowercase letters, digits, - and _"))
            return None
        if not KEY_RE.match(value):
            self.add(path, _l("%(value)s is not allowed: use only lowercase letters, digits, - and _",
                              value=json.dumps(value)))
            return None
        if len(value) > max_len:
            self.add(path, _l("at most %(max)d characters", max=max_len))
            return None
        return value

    def text(self, value, path, required=True):
        """A plain string or {language code: string}; returns it cleaned, or None."""
        if value is None:
            if required:
                self.add(path, _l("required: a text, or an object of language code to text"))
            return None
        if isinstance(value, str):
            if not value.strip():
                self.add(path, _l("must not be empty"))
                return None
            if len(value) > MAX_TEXT:
                self.add(path, _l("at most %(max)d characters", max=MAX_TEXT))
                return None
            return value
        if isinstance(value, Mapping):
            if not value:
                self.add(path, _l("give the text in at least one language"))
                return None
            ok = True
            for lang, text in value.items():
                where = _join(path, lang)
                if not isinstance(lang, str) or not LANG_RE.match(lang):
                    self.add(where, _l("%(lang)s is not a language code such as es or en", lang=json.dumps(lang)))
                    ok = False
                elif not isinstance(text, str) or not text.strip():
                    self.add(where, _l("expected a text that is not empty"))
                    ok = False
                elif len(text) > MAX_TEXT:
                    self.add(where, _l("at most %(max)d characters", max=MAX_TEXT))
                    ok = False
            return dict(value) if ok else None
        self.add(path, _l("expected a text, or an object of language code to text"))
        return None

    def boolean(self, data, key, path, default):
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(_join(path, key), _l("expected true or false"))
            return default
        return value

    def weight(self, data, path):
        value = data.get("weight", 1)
        if not _is_number(value) or value <= 0:
            self.add(_join(path, "weight"), _l("a weight is a number above 0"))
            return 1
        return _num(value)

    # -- the file --------------------------------------------------------------------------------
    def scorecard(self, data) -> dict | None:
        if not self.object(data, "", TOP_KEYS):
            return None
        out = {}
        slug = data.get("slug")
        out["slug"] = self.key(slug, "slug", MAX_SLUG)
        out["name"] = self.text(data.get("name"), "name")
        channel = data.get("channel")
        if channel not in CHANNELS:
            self.add("channel", _l("expected one of: %(choices)s", choices=", ".join(CHANNELS)))
        out["channel"] = channel
        pass_mark = data.get("pass_mark", 80)
        if not _is_number(pass_mark) or not 0 <= pass_mark <= 100:
            self.add("pass_mark", _l("a pass mark is a number from 0 to 100"))
            pass_mark = 80
        out["pass_mark"] = _num(pass_mark)
        out["critical_zeroes_score"] = self.boolean(data, "critical_zeroes_score", "", True)
        sections = data.get("sections")
        out["sections"] = []
        if not isinstance(sections, list):
            self.add("sections", _l("required: a list of sections"))
            return out
        if len(sections) > MAX_SECTIONS:
            self.add("sections", _l("at most %(max)d sections", max=MAX_SECTIONS))
            return out
        section_keys: dict[str, str] = {}
        criterion_keys: dict[str, str] = {}
        total = 0
        for i, section in enumerate(sections):
            path = f"sections[{i}]"
            checked = self.section(section, path, criterion_keys)
            if checked is None:
                continue
            total += len(checked["criteria"])
            if checked["key"]:
                if checked["key"] in section_keys:
                    self.add(_join(path, "key"), _l("%(key)s is already the key of %(other)s",
                                                    key=json.dumps(checked["key"]),
                                                    other=section_keys[checked["key"]]))
                else:
                    section_keys[checked["key"]] = path
            out["sections"].append(checked)
        if total > MAX_CRITERIA:
            self.add("sections", _l("at most %(max)d criteria in a scorecard", max=MAX_CRITERIA))
        return out

    def section(self, data, path, criterion_keys) -> dict | None:
        if not self.object(data, path, SECTION_KEYS):
            return None
        out = {"key": self.key(data.get("key"), _join(path, "key"))}
        out["title"] = self.text(data.get("title"), _join(path, "title"), required=False) or out["key"]
        out["weight"] = self.weight(data, path)
        criteria = data.get("criteria", [])
        out["criteria"] = []
        if not isinstance(criteria, list):
            self.add(_join(path, "criteria"), _l("expected a list of criteria"))
            return out
        for j, criterion in enumerate(criteria):
            where = f"{path}.criteria[{j}]"
            checked = self.criterion(criterion, where)
            if checked is None:
                continue
            if checked["key"]:
                if checked["key"] in criterion_keys:
                    self.add(_join(where, "key"), _l("%(key)s is already the key of %(other)s; a criterion key is "
                                                     "unique within its scorecard", key=json.dumps(checked["key"]),
                                                     other=criterion_keys[checked["key"]]))
                else:
                    criterion_keys[checked["key"]] = where
            out["criteria"].append(checked)
        return out

    def criterion(self, data, path) -> dict | None:
        if not self.object(data, path, ALL_CRITERION_KEYS):
            return None
        out = {"key": self.key(data.get("key"), _join(path, "key"))}
        kind = data.get("type")
        if kind not in CRITERION_TYPES:
            self.add(_join(path, "type"), _l("expected one of: %(choices)s", choices=", ".join(CRITERION_TYPES)))
            return None
        out["type"] = kind
        for key in ("min", "max", "options", "unit", "target"):
            if key in data and key not in TYPE_KEYS.get(kind, ()):
                self.add(_join(path, key), _l("%(key)s does not apply to a %(type)s criterion", key=key, type=kind))
        out["text"] = self.text(data.get("text"), _join(path, "text"))
        guidance = self.text(data.get("guidance"), _join(path, "guidance"), required=False)
        if guidance is not None:
            out["guidance"] = guidance
        out["weight"] = self.weight(data, path)
        out["allow_na"] = self.boolean(data, "allow_na", path, False)
        critical = self.boolean(data, "critical", path, False)

        if kind == "scale":
            low, high = data.get("min", 1), data.get("max", 5)
            good = True
            for name, value in (("min", low), ("max", high)):
                if not _is_whole(value):
                    self.add(_join(path, name), _l("expected a whole number"))
                    good = False
            if good and low >= high:
                self.add(_join(path, "max"), _l("a scale's max must be above its min (%(min)s)", min=_num(low)))
                good = False
            if good and high - low > 100:
                self.add(_join(path, "max"), _l("a scale has at most 100 steps"))
            out["min"], out["max"] = (int(low), int(high)) if good else (1, 5)
        elif kind == "choice":
            out["options"] = self.options(data.get("options"), _join(path, "options"))
        elif kind == "number":
            unit = data.get("unit")
            if unit is not None:
                if not isinstance(unit, str) or not unit.strip() or len(unit) > 16:
                    self.add(_join(path, "unit"), _l("a unit is a short text (at most 16 characters)"))
                else:
                    out["unit"] = unit
            target = data.get("target")
            if target is not None:
                checked = self.target(target, _join(path, "target"))
                if checked:
                    out["target"] = checked

        scored = kind in SCORED_TYPES and (kind != "number" or "target" in data and data["target"] is not None)
        if critical and not scored:
            self.add(_join(path, "critical"), _l("only a scored criterion can be critical (a number needs a target)"))
        out["critical"] = critical
        out["required"] = self.boolean(data, "required", path, scored)
        kpi = data.get("kpi")
        if kpi is not None:
            if kpi not in KPI_TAGS:
                self.add(_join(path, "kpi"), _l("expected one of: %(choices)s", choices=", ".join(KPI_TAGS)))
            elif kind in ("text", "photo", "info"):
                self.add(_join(path, "kpi"), _l("a KPI tag needs a scored or number criterion"))
            else:
                out["kpi"] = kpi
        return out

    def options(self, options, path) -> list:
        if not isinstance(options, list) or len(options) < 2:
            self.add(path, _l("a choice needs at least two options"))
            return []
        if len(options) > MAX_OPTIONS:
            self.add(path, _l("at most %(max)d options", max=MAX_OPTIONS))
            return []
        out, seen = [], set()
        for k, option in enumerate(options):
            where = f"{path}[{k}]"
            if not self.object(option, where, OPTION_KEYS):
                continue
            key = self.key(option.get("key"), _join(where, "key"))
            if key == "na":
                self.add(_join(where, "key"), _l('"na" is kept for N/A answers; choose another key'))
            elif key in seen:
                self.add(_join(where, "key"), _l("%(key)s is already an option of this choice", key=json.dumps(key)))
            elif key:
                seen.add(key)
            value = option.get("score")
            if not _is_number(value) or not 0 <= value <= 1:
                self.add(_join(where, "score"), _l("an option's score is a number from 0 to 1"))
                value = 0
            label = self.text(option.get("label"), _join(where, "label"))
            out.append({"key": key, "score": _num(value), "label": label})
        return out

    def target(self, target, path) -> dict | None:
        if not self.object(target, path, TARGET_KEYS):
            return None
        op, value = target.get("op"), target.get("value")
        good = True
        if op not in TARGET_OPS:
            self.add(_join(path, "op"), _l('expected "<=" (at most) or ">=" (at least)'))
            good = False
        if not _is_number(value):
            self.add(_join(path, "value"), _l("expected a number"))
            good = False
        return {"op": op, "value": _num(value)} if good else None


def parse(raw) -> dict:
    """A checked scorecard structure with defaults written out; ScorecardFileError lists every problem."""
    data = decode(raw)
    checker = _Checker()
    out = checker.scorecard(data)
    if checker.problems:
        raise ScorecardFileError(checker.problems)
    return out


def problems(raw) -> list[str]:
    """Every problem of a file as ``path: rule`` strings; empty when the file is good."""
    try:
        parse(raw)
    except ScorecardFileError as exc:
        return exc.messages
    return []
