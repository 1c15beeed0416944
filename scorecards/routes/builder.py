"""The draft editor (admins only): sections and criteria, added, changed, moved and removed.

Every change goes through ``scorecards.drafts``, which saves the whole draft through
``services.save_draft`` (checked against the file format's rules).
"""
from flask import abort, flash, render_template, request
from flask_babel import gettext as _

from accounts.permissions import roles_required
from core.i18n import lang
from core.texts import pick
from extensions import db
from scorecards import drafts, services
from scorecards.forms import CriterionForm, SectionForm
from scorecards.reading import ScorecardFileError
from scorecards.routes.common import bp, draft_or_409, text_fields, text_value, to_fields, to_version

BLANK_OPTION_ROWS = 2


def _part_or_404(find, version, key):
    """The draft's section or criterion ``key`` (404 when it has none); None for a new one."""
    if key is None:
        return None
    found = find(version, key)
    if found is None:
        abort(404)
    return found


# -- sections -----------------------------------------------------------------------------------------

@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/new", methods=["GET", "POST"])
@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/<key>", methods=["GET", "POST"])
@roles_required("admin")
def edit_section(card_id, number, key=None):
    version = draft_or_409(card_id, number)
    section = _part_or_404(drafts.find_section, version, key)
    if request.method == "GET":
        es, en = text_fields(section.title) if section else ("", "")
        form = SectionForm(data={"key": section.key, "title_es": es, "title_en": en, "weight": section.weight}
                           if section else None)
        return render_template("scorecards/section_form.html", form=form, version=version, section=section,
                               problems=[])
    form = SectionForm()
    problems = []
    if form.validate_on_submit():
        fields = {"key": form.key.data.strip(), "weight": form.weight.data}
        # No title in either language: the section is shown by its key.
        fields["title"] = text_value(section.title if section else None, form.title_es.data,
                                      form.title_en.data) or fields["key"] or None
        try:
            drafts.put_section(version, key, fields)
        except ScorecardFileError as exc:
            db.session.rollback()
            problems = to_fields(form, exc.problems, getattr(exc, "prefix", ""),
                                  {"key": "key", "title": "title_es", "weight": "weight"})
        else:
            db.session.commit()
            flash(_("Section %(key)s saved.", key=fields["key"]), "success")
            return to_version(version, "section-" + fields["key"])
    return render_template("scorecards/section_form.html", form=form, version=version, section=section,
                           problems=problems), 422


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/<key>/move", methods=["POST"])
@roles_required("admin")
def move_section(card_id, number, key):
    return _move(card_id, number, key, drafts.find_section, drafts.move_section, "section-")


def _move(card_id, number, key, find, move, anchor):
    """Move a section or a criterion of a draft up or down, and go back to where it is."""
    version = draft_or_409(card_id, number)
    if find(version, key) is None:
        abort(404)
    move(version, key, _delta())
    db.session.commit()
    return to_version(version, anchor + key)


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/<key>/delete", methods=["POST"])
@roles_required("admin")
def delete_section(card_id, number, key):
    version = draft_or_409(card_id, number)
    if drafts.find_section(version, key) is None:
        abort(404)
    drafts.remove_section(version, key)
    db.session.commit()
    flash(_("Section %(key)s and its criteria were removed from the draft.", key=key), "success")
    return to_version(version, "sections")


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
        text_es, text_en = text_fields(criterion.text)
        guide_es, guide_en = text_fields(criterion.guidance)
        data = {
            "key": criterion.key, "section": criterion.section.key, "type": criterion.type,
            "text_es": text_es, "text_en": text_en, "guidance_es": guide_es, "guidance_en": guide_en,
            "weight": services._num(criterion.weight), "allow_na": criterion.allow_na,
            "critical": criterion.critical, "required": criterion.required, "kpi": criterion.kpi or "",
            "scale_min": s.get("min", 1), "scale_max": s.get("max", 5), "unit": s.get("unit", ""),
            "target_op": target.get("op", ""), "target_value": target.get("value"),
            "options": [{"key": o["key"], "score": o["score"], "label_es": text_fields(o["label"])[0],
                         "label_en": text_fields(o["label"])[1]} for o in s.get("options", [])],
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
         "text": text_value(existing.text if existing else None, form.text_es.data, form.text_en.data),
         "weight": form.weight.data, "allow_na": form.allow_na.data, "critical": form.critical.data,
         "required": form.required.data}
    guidance = text_value(existing.guidance if existing else None, form.guidance_es.data, form.guidance_en.data)
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
                                 "label": text_value(old_labels.get(key), row.label_es.data, row.label_en.data)})
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


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/sections/<section_key>/criteria/new",
          methods=["GET", "POST"])
@bp.route("/scorecards/<int:card_id>/versions/<int:number>/criteria/<key>", methods=["GET", "POST"])
@roles_required("admin")
def edit_criterion(card_id, number, key=None, section_key=None):
    version = draft_or_409(card_id, number)
    criterion = _part_or_404(drafts.find_criterion, version, key)
    if criterion is not None:
        section_key = criterion.section.key
    elif drafts.find_section(version, section_key) is None:
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
            drafts.put_criterion(version, form.section.data, key, fields)
        except ScorecardFileError as exc:
            db.session.rollback()
            problems = to_fields(form, exc.problems, getattr(exc, "prefix", ""), CRITERION_FIELDS, rows)
            problems = [_("Criterion “%(key)s” was not saved; nothing was changed.",
                          key=fields["key"] or "?")] + problems
        except KeyError:
            abort(404)
        else:
            db.session.commit()
            flash(_("Criterion %(key)s saved.", key=fields["key"]), "success")
            return to_version(version, "criterion-" + fields["key"])
    else:
        problems = [_("Criterion “%(key)s” was not saved; check the fields marked below.",
                      key=form.key.data or (criterion.key if criterion else "?"))]
    return render_template("scorecards/criterion_form.html", form=form, version=version, criterion=criterion,
                           section_key=section_key, problems=problems), 422


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/criteria/<key>/move", methods=["POST"])
@roles_required("admin")
def move_criterion(card_id, number, key):
    return _move(card_id, number, key, drafts.find_criterion, drafts.move_criterion, "criterion-")


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/criteria/<key>/delete", methods=["POST"])
@roles_required("admin")
def delete_criterion(card_id, number, key):
    version = draft_or_409(card_id, number)
    criterion = drafts.find_criterion(version, key)
    if criterion is None:
        abort(404)
    section_key = criterion.section.key
    drafts.remove_criterion(version, key)
    db.session.commit()
    flash(_("Criterion %(key)s was removed from the draft.", key=key), "success")
    return to_version(version, "section-" + section_key)
