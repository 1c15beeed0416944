"""The scorecard pages (admins only): list, create, import, one scorecard, one version, its export,
settings and publication."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from accounts.permissions import roles_required
from extensions import db
from scorecards import drafts, formats, reading, services
from scorecards.forms import ImportForm, NewScorecardForm, SettingsForm
from scorecards.models import Scorecard
from scorecards.reading import ScorecardFileError
from scorecards.routes.common import (
    bp,
    card_or_404,
    described,
    draft_or_409,
    text_fields,
    text_value,
    to_fields,
    to_version,
    version_or_404,
)

MAX_IMPORT_BYTES = 1024 * 1024
# File path -> settings form field (the same name where they agree).
SETTINGS_FIELDS = {"name": "name_es", **{key: key for key in ("pass_mark", "critical_zeroes_score")}}


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
                                                    text_value(None, form.name_es.data, form.name_en.data),
                                                    form.channel.data)
            except ScorecardFileError as exc:
                to_fields(form, exc.problems, "", {"slug": "slug", "name": "name_es", "channel": "channel"})
            else:
                db.session.commit()
                flash(_("Scorecard %(slug)s was created. Add its sections and criteria, then publish it.",
                        slug=version.scorecard.slug), "success")
                return to_version(version)
        status = 422
    return render_template("scorecards/new.html", form=form), status


@bp.route("/scorecards/import", methods=["POST"])
@roles_required("admin")
def import_file():
    form = ImportForm()
    card_id = request.form.get("card_id", type=int)
    card = card_or_404(card_id) if card_id else None

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
                      + described(exc.problems, raw_data))
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
    return to_version(version)


def _safe_decode(raw):
    try:
        data = reading.decode(raw)
    except ScorecardFileError:
        return None
    return data if isinstance(data, dict) else None


# -- one scorecard ----------------------------------------------------------------------------------

@bp.route("/scorecards/<int:card_id>")
@roles_required("admin")
def scorecard(card_id):
    return _scorecard_page(card_or_404(card_id), ImportForm())


def _scorecard_page(card, import_form, problems=None, status=200):
    counts = services.audit_counts(card)
    return render_template("scorecards/scorecard.html", card=card, counts=counts, import_form=import_form,
                           problems=problems or []), status


@bp.route("/scorecards/<int:card_id>/archive", methods=["POST"])
@roles_required("admin")
def archive(card_id):
    card = card_or_404(card_id)
    archived = request.form.get("archived") == "1"
    services.set_archived(card, archived)
    db.session.commit()
    flash(_("%(slug)s is archived: it is offered for no new audit, and stays in reports.", slug=card.slug)
          if archived else _("%(slug)s is in use again.", slug=card.slug), "success")
    return redirect(url_for("scorecards.scorecard", card_id=card.id))


@bp.route("/scorecards/<int:card_id>/edit", methods=["POST"])
@roles_required("admin")
def start_draft(card_id):
    card = card_or_404(card_id)
    existing = card.draft
    try:
        version = services.start_new_draft(card)
        db.session.commit()
    except IntegrityError:  # another admin started the same draft a moment ago: use theirs
        db.session.rollback()
        card = card_or_404(card_id)
        if card.draft is None:
            raise
        return to_version(card.draft)
    if existing is None:
        flash(_("Version %(n)d is a new draft copied from the latest version. Audits keep the version they "
                "were filled with.", n=version.number), "success")
    return to_version(version)


# -- one version ------------------------------------------------------------------------------------

@bp.route("/scorecards/<int:card_id>/versions/<int:number>")
@roles_required("admin")
def version(card_id, number):
    version = version_or_404(card_or_404(card_id), number)
    return _version_page(version)


def _settings_form(version, formdata=None):
    es, en = text_fields(version.scorecard.name)
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
    version = version_or_404(card_or_404(card_id), number)
    filename = f"{version.scorecard.slug}-v{version.number}.json"
    return Response(services.export_json(version), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/settings", methods=["POST"])
@roles_required("admin")
def settings(card_id, number):
    version = draft_or_409(card_id, number)
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            drafts.update_settings(version, text_value(version.scorecard.name, form.name_es.data,
                                                          form.name_en.data),
                                     form.pass_mark.data, form.critical_zeroes_score.data)
        except ScorecardFileError as exc:
            db.session.rollback()
            to_fields(form, exc.problems, "", SETTINGS_FIELDS)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return to_version(version, "settings")
    return _version_page(version, settings_form=form, status=422)


@bp.route("/scorecards/<int:card_id>/versions/<int:number>/publish", methods=["POST"])
@roles_required("admin")
def publish(card_id, number):
    version = draft_or_409(card_id, number)
    try:
        services.publish_version(version)
    except ScorecardFileError as exc:
        db.session.rollback()
        data = services.version_to_dict(version)
        return _version_page(version, problems=[_("Version %(n)d cannot be published yet:", n=version.number)]
                             + described(exc.problems, data), status=422)
    db.session.commit()
    flash(_("Version %(n)d is published. New audits use it; it can no longer change.", n=version.number),
          "success")
    return redirect(url_for("scorecards.scorecard", card_id=card_id))

