"""The scorecard builder (admins only): list, create, import and export, versions, the draft editor.

Every change to a draft goes through services.save_draft, which checks the whole draft against the
file format's rules; a published version is refused by services and, below them, by the model guard
(PublishedVersionError answers 409 here, whatever route raised it).
"""
import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from accounts.permissions import roles_required
from core.i18n import lang
from core.texts import pick
from extensions import db
from scorecards import formats, services
from scorecards.formats import ScorecardFileError
from scorecards.forms import (
    CHANNEL_LABELS,
    KPI_LABELS,
    OP_LABELS,
    TYPE_LABELS,
    CriterionForm,
    ImportForm,
    NewScorecardForm,
    SectionForm,
    SettingsForm,
)
from scorecards.models import PublishedVersionError, Scorecard

bp = Blueprint("scorecards", __name__)

MAX_IMPORT_BYTES = 1024 * 1024
# File path -> settings form field (the same name where they agree).
SETTINGS_FIELDS = {"name": "name_es", **{key: key for key in ("pass_mark", "critical_zeroes_score")}}
BLANK_OPTION_ROWS = 2


def register(app):
    from scorecards.cli import scorecards_cli

    app.register_blueprint(bp)
    app.cli.add_command(scorecards_cli)
    app.register_error_handler(PublishedVersionError, published_version_error)
    app.register_error_handler(services.ScorecardError, scorecard_error)


def published_version_error(_exc):
    """Any attempt to change a published version, from any route: 409 with a clear message."""
    from core.web import error_response

    db.session.rollback()
    return error_response(409, _("This version is published and cannot be changed. "
                                 "Use “Edit” on the scorecard to start a new draft version."), code="published")


def scorecard_error(exc):
    from core.web import error_response

    db.session.rollback()
    return error_response(409, str(exc))


@bp.app_template_global()
def scorecard_labels():
    return {"channels": CHANNEL_LABELS, "types": TYPE_LABELS, "kpis": KPI_LABELS, "ops": OP_LABELS}


# -- loading ---------------------------------------------------------------------------------------

def _card(card_id: int) -> Scorecard:
    card = db.session.get(Scorecard, card_id)
    if card is None:
        abort(404)
    return card


def _version(card: Scorecard, number: int):
    version = next((v for v in card.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


def _draft(card_id: int, number: int):
    version = _version(_card(card_id), number)
    if version.is_published:
        raise PublishedVersionError(f"version {number} is published")
    return version


def _to_version(version, anchor=None):
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


def _described(problems, data=None) -> list[str]:
    out = []
    for problem in problems:
        where = describe_path(data, problem.path)
        out.append(f"{where}: {problem.message}" if where else str(problem.message))
    return out


# -- texts between the forms and the file's {lang: text} -----------------------------------------

def _text_fields(value) -> tuple[str, str]:
    if isinstance(value, dict):
        return value.get("es", ""), value.get("en", "")
    return (value or ""), ""


def _text_value(existing, es: str | None, en: str | None):
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


# -- list, create, import -------------------------------------------------------------------------

@bp.route("/scorecards")
@roles_required("admin")
def index():
    return _index_page(ImportForm())


def _index_page(import_form, problems=None, status=200):
    cards = db.session.scalars(db.select(Scorecard).order_by(Scorecard.archived, Scorecard.slug)).all()
    return render_template("scorecards/index.html", cards=cards, import_form=import_form,
                           problems=problems or []), status


@bp.route("/scorecards/new", methods=["GET", "POST"])
@roles_required("admin")
def create():
    form = NewScorecardForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                version = services.create_scorecard(form.slug.data.strip(),
                                                    _text_value(None, form.name_es.data, form.name_en.data),
                                                    form.channel.data)
            except ScorecardFileError as exc:
                _to_fields(form, exc.problems, "", {"slug": "slug", "name": "name_es", "channel": "channel"})
            else:
                db.session.commit()
                flash(_("Scorecard %(slug)s was created. Add its sections and criteria, then publish it.",
                        slug=version.scorecard.slug), "success")
                return _to_version(version)
        status = 422
    return render_template("scorecards/new.html", form=form), status


@bp.route("/scorecards/import", methods=["POST"])
@roles_required("admin")
def import_file():
    form = ImportForm()
    card_id = request.form.get("card_id", type=int)
    card = _card(card_id) if card_id else None

    def refuse(problems, status=422):
        db.session.rollback()
        if card is not None:
            return _scorecard_page(card, form, problems, status)
        return _index_page(form, problems, status)

    if not form.validate_on_submit():
        return refuse([_("The form expired. Reload the page and try again.")], 400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return refuse([_("Choose a scorecard file (JSON) to import.")], 400)
    raw = upload.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        return refuse([_("The file is larger than 1 MB; a scorecard file is much smaller.")], 413)
    try:
        data = formats.parse(raw)
        if card is not None and data["slug"] != card.slug:
            return refuse([_("This file is for the scorecard “%(other)s”, not “%(slug)s”. Import it from the "
                             "list of scorecards instead.", other=data["slug"], slug=card.slug)])
        action = services.plan_import(data)
        version = services.import_scorecard(data, publish=form.publish.data)
    except ScorecardFileError as exc:
        raw_data = _safe_decode(raw)
        return refuse([_("%(file)s was not imported; nothing was changed:", file=upload.filename)]
                      + _described(exc.problems, raw_data))
    except services.ScorecardError as exc:
        return refuse([str(exc)], 409)
    try:
        db.session.commit()
    except IntegrityError:  # the same file imported twice at the same moment
        return refuse([_("Someone else changed this scorecard at the same time. Reload and try again.")], 409)
    messages = {
        "new": _("Imported %(slug)s as a new scorecard: version %(n)d.", slug=version.scorecard.slug,
                 n=version.number),
        "new_version": _("Imported %(slug)s as version %(n)d.", slug=version.scorecard.slug, n=version.number),
        "replace_draft": _("Imported %(slug)s: it replaced the content of draft version %(n)d.",
                           slug=version.scorecard.slug, n=version.number),
    }
    flash(messages[action] + (" " + _("It is published.") if version.is_published else ""), "success")
    return _to_version(version)


def _safe_decode(raw):
    try:
        data = formats.decode(raw)
    except ScorecardFileError:
        return None
    return data if isinstance(data, dict) else None


# -- one scorecard ----------------------------------------------------------------------------------

@bp.route("/scorecards/<int:card_id>")
@roles_required("admin")
def scorecard(card_id):
    return _scorecard_page(_card(card_id), ImportForm())


def _scorecard_page(card, import_form, problems=None, status=200):
    counts = services.audit_counts(card)
    return render_template("scorecards/scorecard.html", card=card, counts=counts, import_form=import_form,
                           problems=problems or []), status


@bp.route("/scorecards/<int:card_id>/archive", methods=["POST"])
@roles_required("admin")
def archive(card_id):
    card = _card(card_id)
    archived = request.form.get("archived") == "1"
    services.set_archived(card, archived)
    db.session.commit()
    flash(_("%(slug)s is archived: it is offered for no new audit, and stays in reports.", slug=card.slug)
          if archived else _("%(slug)s is in use again.", slug=card.slug), "success")
    return redirect(url_for("scorecards.scorecard", card_id=card.id))


@bp.route("/scorecards/<int:card_id>/edit", methods=["POST"])
@roles_required("admin")
def start_draft(card_id):
    card = _card(card_id)
    existing = card.draft
    try:
        version = services.start_new_draft(card)
        db.session.commit()
    except IntegrityError:  # another admin started the same draft a moment ago: use theirs
        db.session.rollback()
        card = _card(card_id)
        if card.draft is None:
            raise
        return _to_version(card.draft)
    if existing is None:
        flash(_("Version %(n)d is a new draft copied from the latest version. Audits keep the version they "
                "were filled with.", n=version.number), "success")
    return _to_version(version)


# -- one version ------------------------------------------------------------------------------------

@bp.route("/scorecards/<int:card_id>/versions/<int:number>")
@roles_required("admin")
def version(card_id, number):
    version = _version(_card(card_id), number)
    return _version_page(version)


def _settings_form(version, formdata=None):
    es, en = _text_fields(version.scorecard.name)
    return SettingsForm(formdata=formdata, data={
        "name_es": es, "name_en": en, "pass_mark": services._num(version.pass_mark),
        "critical_zeroes_score": version.critical_zeroes_score})


def _version_page(version, settings_form=None, problems=None, status=200):
    if settings_form is None and not version.is_published:
        settings_form = _settings_form(version, formdata=None)
    return render_template("scorecards/version.html", version=version, card=version.scorecard,
                           settings_form=settings_form, problems=problems or [],
                           audits=services.audit_count(version),
                           can_publish=not version.is_published and not services.publish_problems(version)), status


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/export")
@roles_required("admin")
def export(card_id, number):
    version = _version(_card(card_id), number)
    filename = f"{version.scorecard.slug}-v{version.number}.json"
    return Response(services.export_json(version), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/settings", methods=["POST"])
@roles_required("admin")
def settings(card_id, number):
    version = _draft(card_id, number)
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            services.update_settings(version, _text_value(version.scorecard.name, form.name_es.data,
                                                          form.name_en.data),
                                     form.pass_mark.data, form.critical_zeroes_score.data)
        except ScorecardFileError as exc:
            db.session.rollback()
            _to_fields(form, exc.problems, "", SETTINGS_FIELDS)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return _to_version(version, "settings")
    return _version_page(version, settings_form=form, status=422)


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/publish", methods=["POST"])
@roles_required("admin")
def publish(card_id, number):
    version = _draft(card_id, number)
    try:
        services.publish_version(version)
    except ScorecardFileError as exc:
        db.session.rollback()
        data = services.version_to_dict(version)
        return _version_page(version, problems=[_("Version %(n)d cannot be published yet:", n=version.number)]
                             + _described(exc.problems, data), status=422)
    db.session.commit()
    flash(_("Version %(n)d is published. New audits use it; it can no longer change.", n=version.number),
          "success")
    return redirect(url_for("scorecards.scorecard", card_id=card_id))


# -- sections -----------------------------------------------------------------------------------------

@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/new", methods=["GET", "POST"])
@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/<key>", methods=["GET", "POST"])
@roles_required("admin")
def edit_section(card_id, number, key=None):
    version = _draft(card_id, number)
    section = None
    if key is not None:
        section = services.find_section(version, key)
        if section is None:
            abort(404)
    if request.method == "GET":
        es, en = _text_fields(section.title) if section else ("", "")
        form = SectionForm(data={"key": section.key, "title_es": es, "title_en": en, "weight": section.weight}
                           if section else None)
        return render_template("scorecards/section_form.html", form=form, version=version, section=section,
                               problems=[])
    form = SectionForm()
    problems = []
    if form.validate_on_submit():
        fields = {"key": form.key.data.strip(), "weight": form.weight.data}
        # No title in either language: the section is shown by its key.
        fields["title"] = _text_value(section.title if section else None, form.title_es.data,
                                      form.title_en.data) or fields["key"] or None
        try:
            services.put_section(version, key, fields)
        except ScorecardFileError as exc:
            db.session.rollback()
            problems = _to_fields(form, exc.problems, getattr(exc, "prefix", ""),
                                  {"key": "key", "title": "title_es", "weight": "weight"})
        else:
            db.session.commit()
            flash(_("Section %(key)s saved.", key=fields["key"]), "success")
            return _to_version(version, "section-" + fields["key"])
    return render_template("scorecards/section_form.html", form=form, version=version, section=section,
                           problems=problems), 422


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/<key>/move", methods=["POST"])
@roles_required("admin")
def move_section(card_id, number, key):
    version = _draft(card_id, number)
    if services.find_section(version, key) is None:
        abort(404)
    services.move_section(version, key, _delta())
    db.session.commit()
    return _to_version(version, "section-" + key)


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/<key>/delete", methods=["POST"])
@roles_required("admin")
def delete_section(card_id, number, key):
    version = _draft(card_id, number)
    if services.find_section(version, key) is None:
        abort(404)
    services.remove_section(version, key)
    db.session.commit()
    flash(_("Section %(key)s and its criteria were removed from the draft.", key=key), "success")
    return _to_version(version, "sections")


def _delta() -> int:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400, _("Say whether to move it up or down."))
    return -1 if direction == "up" else 1


# -- criteria ---------------------------------------------------------------------------------------

def _criterion_form(version, criterion=None, section_key=None, formdata=None):
    if criterion is not None and formdata is None:
        s = criterion.settings or {}
        target = s.get("target") or {}
        text_es, text_en = _text_fields(criterion.text)
        guide_es, guide_en = _text_fields(criterion.guidance)
        data = {
            "key": criterion.key, "section": criterion.section.key, "type": criterion.type,
            "text_es": text_es, "text_en": text_en, "guidance_es": guide_es, "guidance_en": guide_en,
            "weight": services._num(criterion.weight), "allow_na": criterion.allow_na,
            "critical": criterion.critical, "required": criterion.required, "kpi": criterion.kpi or "",
            "scale_min": s.get("min", 1), "scale_max": s.get("max", 5), "unit": s.get("unit", ""),
            "target_op": target.get("op", ""), "target_value": target.get("value"),
            "options": [{"key": o["key"], "score": o["score"], "label_es": _text_fields(o["label"])[0],
                         "label_en": _text_fields(o["label"])[1]} for o in s.get("options", [])],
        }
        form = CriterionForm(formdata=None, data=data)
    elif formdata is None:
        form = CriterionForm(formdata=None, data={"section": section_key, "options": []})
    else:
        form = CriterionForm()
    form.section.choices = [(s.key, f"{pick(s.title, lang())} ({s.key})") for s in version.sections]
    if formdata is None:
        wanted = max(len(form.options.entries) + BLANK_OPTION_ROWS, 3)
        while len(form.options.entries) < wanted:
            form.options.append_entry()
    return form


def _criterion_fields(form, existing=None) -> tuple[dict, list[int]]:
    """The criterion as the file's structure, and for each option kept its row in the form."""
    kind = form.type.data
    c = {"key": (form.key.data or "").strip(), "type": kind,
         "text": _text_value(existing.text if existing else None, form.text_es.data, form.text_en.data),
         "weight": form.weight.data, "allow_na": form.allow_na.data, "critical": form.critical.data,
         "required": form.required.data}
    guidance = _text_value(existing.guidance if existing else None, form.guidance_es.data, form.guidance_en.data)
    if guidance:
        c["guidance"] = guidance
    if form.kpi.data:
        c["kpi"] = form.kpi.data
    rows = []
    if kind == "scale":
        c["min"] = form.scale_min.data if form.scale_min.data is not None else 1
        c["max"] = form.scale_max.data if form.scale_max.data is not None else 5
    elif kind == "choice":
        c["options"] = []
        old_labels = {o["key"]: o["label"] for o in ((existing.settings or {}).get("options", []) if existing else [])}
        for i, entry in enumerate(form.options.entries):
            row = entry.form
            key = (row.key.data or "").strip()
            if not key and row.score.data is None and not (row.label_es.data or "").strip() \
                    and not (row.label_en.data or "").strip():
                continue
            c["options"].append({"key": key, "score": row.score.data,
                                 "label": _text_value(old_labels.get(key), row.label_es.data, row.label_en.data)})
            rows.append(i)
    elif kind == "number":
        if (form.unit.data or "").strip():
            c["unit"] = form.unit.data.strip()
        if form.target_op.data:
            c["target"] = {"op": form.target_op.data, "value": form.target_value.data}
    return c, rows


CRITERION_FIELDS = {"key": "key", "type": "type", "text": "text_es", "guidance": "guidance_es", "weight": "weight",
                    "allow_na": "allow_na", "critical": "critical", "required": "required", "kpi": "kpi",
                    "min": "scale_min", "max": "scale_max", "unit": "unit", "target": "target_op",
                    "target.op": "target_op", "target.value": "target_value", "options": "options"}


def _to_fields(form, problems, prefix, fields, option_rows=None) -> list[str]:
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


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/<section_key>/criteria/new",
          methods=["GET", "POST"])
@bp.route("/scorecards/<int:card_id>/versions/<int:number>/criteria/<key>", methods=["GET", "POST"])
@roles_required("admin")
def edit_criterion(card_id, number, key=None, section_key=None):
    version = _draft(card_id, number)
    criterion = None
    if key is not None:
        criterion = services.find_criterion(version, key)
        if criterion is None:
            abort(404)
        section_key = criterion.section.key
    elif services.find_section(version, section_key) is None:
        abort(404)
    if request.method == "GET":
        form = _criterion_form(version, criterion, section_key)
        return render_template("scorecards/criterion_form.html", form=form, version=version, criterion=criterion,
                               section_key=section_key, problems=[])
    form = _criterion_form(version, criterion, section_key, formdata=request.form)
    problems = []
    if form.validate_on_submit():
        fields, rows = _criterion_fields(form, criterion)
        try:
            services.put_criterion(version, form.section.data, key, fields)
        except ScorecardFileError as exc:
            db.session.rollback()
            problems = _to_fields(form, exc.problems, getattr(exc, "prefix", ""), CRITERION_FIELDS, rows)
            problems = [_("Criterion “%(key)s” was not saved; nothing was changed.",
                          key=fields["key"] or "?")] + problems
        except KeyError:
            abort(404)
        else:
            db.session.commit()
            flash(_("Criterion %(key)s saved.", key=fields["key"]), "success")
            return _to_version(version, "criterion-" + fields["key"])
    else:
        problems = [_("Criterion “%(key)s” was not saved; check the fields marked below.",
                      key=form.key.data or (criterion.key if criterion else "?"))]
    return render_template("scorecards/criterion_form.html", form=form, version=version, criterion=criterion,
                           section_key=section_key, problems=problems), 422


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/criteria/<key>/move", methods=["POST"])
@roles_required("admin")
def move_criterion(card_id, number, key):
    version = _draft(card_id, number)
    if services.find_criterion(version, key) is None:
        abort(404)
    services.move_criterion(version, key, _delta())
    db.session.commit()
    return _to_version(version, "criterion-" + key)


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/criteria/<key>/delete", methods=["POST"])
@roles_required("admin")
def delete_criterion(card_id, number, key):
    version = _draft(card_id, number)
    criterion = services.find_criterion(version, key)
    if criterion is None:
        abort(404)
    section_key = criterion.section.key
    services.remove_criterion(version, key)
    db.session.commit()
    flash(_("Criterion %(key)s was removed from the draft.", key=key), "success")
    return _to_version(version, "section-" + section_key)
