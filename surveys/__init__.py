"""Surveys: what customers say, beside what mystery shoppers score.

Each branch (and, optionally, each employee) has a public link ``/s/<token>`` and a QR poster; a
contact-centre system asks the API for single-use links. Customers answer without an account and
without JavaScript; nothing that identifies them is kept. NPS, CSAT and first-contact resolution
(figures.py) sit beside the audit score on the report pages, their PDFs and their JSON.
See docs/surveys.md."""


def init_app(app):
    """The public page, the managers' pages, the ``surveys`` commands and the survey responses'
    section of the personal-data document (security/personal_data.py)."""
    from surveys import cli, personal_data, public, routes

    personal_data.register()

    app.register_blueprint(public.bp)
    app.register_blueprint(routes.bp)
    app.cli.add_command(cli.surveys_cli)

    @app.context_processor
    def survey_helpers():
        from flask_login import current_user

        from accounts.permissions import can_manage_branch

        def survey_can_hide(branch_id):  # the reports' comment lists (templates/surveys/_beside_score.html)
            return current_user.is_authenticated and can_manage_branch(current_user, branch_id)
        return {"survey_can_hide": survey_can_hide}
