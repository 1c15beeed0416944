"""What the scorecard pages and the builder share: the blueprint, loading a scorecard or version,
problems described for people, and the texts between the forms and the file's {lang: text}."""
import re

from flask import Blueprint, abort, redirect, url_for
from flask_babel import gettext as _

from core.i18n import lang
from core.texts import pick
from extensions import db
from scorecards.models import PublishedVersionError, Scorecard

bp = Blueprint("scorecards", __name__)


# -- loading ---------------------------------------------------------------------------------------

def card_or_404(card_id: int) -> Scorecard:
    card = db.session.get(Scorecard, card_id)
    if card is None:
        abort(404)
    return card


def version_or_404(card: Scorecard, number: int):
    version = next((v for v in card.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


def draft_or_409(card_id: int, number: int):
    version = version_or_404(card_or_404(card_id), number)
    if version.is_published:
        raise PublishedVersionError(f"version {number} is published")
    return version


def to_version(version, anchor=None):
    return redirect(url_for("scorecards.version", card_id=version.scorecard_id, number=version.number,
                            _anchor=anchor))



# -- problems, described for people --------------------------------------------------------------

_STEP = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def describe_path(data: dict | None, path: str) -> str:
    """``sections[1].criteria[0].options`` as "Section “Advice” › criterion “accurate_information” › options"."""
    if not path:
        return ""
    parts, node = [], data
    for step in path.split("."):
        match = _STEP.fullmatch(step)
        if not match:
            parts.append(step)
            node = None
            continue
        name, index = match.group(1), match.group(2)
        child = node.get(name) if isinstance(node, dict) else None
        if index is not None and isinstance(child, list) and int(index) < len(child):
            node = child[int(index)]
            if name == "sections":
                parts.append(_("Section “%(title)s”", title=pick(node.get("title"), lang()) or node.get("key")))
            elif name == "criteria":
                parts.append(_("criterion “%(key)s”", key=node.get("key") or int(index) + 1))
            elif name == "options":
                parts.append(_("option %(n)d", n=int(index) + 1))
            else:
                parts.append(step)
        else:
            node = child
            parts.append(step)
    return " › ".join(parts)


def described(problems, data=None) -> list[str]:
    out = []
    for problem in problems:
        where = describe_path(data, problem.path)
        out.append(f"{where}: {problem.message}" if where else str(problem.message))
    return out



def to_fields(form, problems, prefix, fields, option_rows=None) -> list[str]:
    """Put each problem next to the field it names; return the ones that name no field of this form."""
    rest = []
    for problem in problems:
        path = problem.path
        if prefix and not (path == prefix or path.startswith(prefix + ".")):
            rest.append(problem)
            continue
        local = path[len(prefix) + 1:] if prefix else path
        target = None
        match = re.fullmatch(r"options\[(\d+)\]\.(key|score|label)(?:\.(\w+))?", local)
        if match and option_rows is not None and int(match.group(1)) < len(option_rows):
            row = form.options.entries[option_rows[int(match.group(1))]].form
            name = match.group(2)
            target = getattr(row, "label_en" if name == "label" and match.group(3) == "en" else
                             "label_es" if name == "label" else name)
        else:
            head = local.split(".")[0]
            if local in fields:
                target = getattr(form, fields[local])
            elif head in fields:
                name = fields[head]
                if name.endswith("_es") and local.endswith(".en"):
                    name = name[:-3] + "_en"
                target = getattr(form, name)
        if target is None:
            rest.append(problem)
        else:
            errors = list(target.errors) if target.errors else []
            errors.append(str(problem.message))
            target.errors = errors
    return [f"{describe_path(None, p.path) or ''}: {p.message}".lstrip(": ") for p in rest]


# -- texts between the forms and the file's {lang: text} -----------------------------------------

def text_fields(value) -> tuple[str, str]:
    if isinstance(value, dict):
        return value.get("es", ""), value.get("en", "")
    return (value or ""), ""


def text_value(existing, es: str | None, en: str | None):
    """{es, en} from the form, keeping any other language the file had; None when all are empty."""
    out = {}
    keep = existing if isinstance(existing, dict) else {}
    for code, text in (("es", es), ("en", en)):
        text = (text or "").strip()
        if text:
            out[code] = text
    for code, text in keep.items():
        if code not in ("es", "en") and text:
            out[code] = text
    return out or None

