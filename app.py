"""The Veraz application factory.

``flask --app app run`` finds ``create_app`` here; gunicorn uses ``"app:create_app()"``.
"""
import os

from flask import Flask

import config
from core.catalogues import TranslationsProblem, ensure_compiled
from extensions import babel, compress, csrf, db, limiter, login_manager, migrate


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)

    trust_proxies(app)
    compile_translations(app)
    register_extensions(app)
    register_blueprints(app)
    connect_packages(app)
    register_errorhandlers(app)
    register_commands(app)
    register_page_helpers(app)
    check_database_on_start(app)
    return app


def trust_proxies(app):
    """Behind TRUSTED_PROXIES proxies, the client's address, scheme and host are the ones they
    forwarded (limits and logs see the client); with 0, X-Forwarded-* headers are ignored, so a
    client cannot choose the address it is counted under."""
    count = app.config.get("TRUSTED_PROXIES") or 0
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def check_database_on_start(app):
    """A server refuses to start on an unreachable or outdated database, saying why; the CLI
    (``flask db upgrade`` among others) must still work on one, so it is not checked there."""
    if app.testing or os.environ.get("FLASK_RUN_FROM_CLI") == "true" or not app.config["CHECK_DATABASE_ON_START"]:
        return
    from core.health import DatabaseProblem, check_database

    with app.app_context():
        try:
            check_database()
        except DatabaseProblem as exc:
            app.logger.critical(str(exc))
            raise SystemExit(str(exc)) from None


def compile_translations(app):
    """Compile a catalogue whose .mo is missing or older than its .po (else Spanish pages would
    silently show English), or stop with the command to run when it cannot be written."""
    try:
        for mo in ensure_compiled(app.config["BABEL_TRANSLATION_DIRECTORIES"]):
            app.logger.warning("Compiled the translations into %s", mo)
    except TranslationsProblem as exc:
        app.logger.critical(str(exc))
        raise


def register_extensions(app):
    from core.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    compress.init_app(app)
    import jobs  # the queue (RQ on Redis, or in-process), e-mail and the worker's commands

    jobs.init_app(app)
    import models  # noqa: F401  (every table known to the metadata and to Alembic)


def register_blueprints(app):
    import accounts.routes
    import api
    import audits.routes
    import branches.routes
    import calibration.routes
    import coaching.routes
    import disputes.routes
    import jobs.routes
    import offline.routes
    import reports.routes
    import scorecards.routes

    for area in (accounts.routes, branches.routes, scorecards.routes, audits.routes, disputes.routes, reports.routes,
                 jobs.routes,
                 coaching.routes,
                 calibration.routes,
                 offline.routes,
                 api):
        area.register(app)


def register_errorhandlers(app):
    """Errors mapped once: a service's refusal (core.errors.DomainError, e.g. AuditError) and
    every HTTP error become the error page, or the JSON error body under /api/."""
    from core.errors import register_errorhandlers as register

    register(app)


def connect_packages(app):
    """The feature packages that listen to other packages' events, add pages, commands or a section
    of the personal-data document: each does it in its own ``init_app(app)``. Imports run one way,
    so what a lower package needs from one above it is handed down here: scorecards learn how
    many audits use a version (a draft in use is not rewritten); webhooks and actions send the
    API's own view of an audit, a dispute, a survey response or an action."""
    import actions
    import coaching
    import notifications
    import records
    import security
    import surveys
    import webhooks
    from api.payloads import action_payload, audit_payload, dispute_payload, survey_response_payload
    from audits.usage import audits_per_version  # feature packages load in the factory, as above
    from reports import rollups
    from scorecards.services import count_audits_with

    count_audits_with(app, audits_per_version)
    handed_down = {
        webhooks: {"payloads": {"audit": audit_payload, "dispute": dispute_payload,
                                "survey_response": survey_response_payload}},
        actions: {"payload": action_payload},
    }
    # The security log first: its own sections of the personal-data document come before the
    # sections of the packages above it (actions, coaching, surveys).
    for package in (notifications, records, webhooks, rollups, security, actions, coaching, surveys):
        package.init_app(app, **handed_down.get(package, {}))


def register_commands(app):
    import cli  # loaded by the factory, as register_blueprints loads the feature packages

    cli.register(app)


def register_page_helpers(app):
    """Security headers, fingerprinted assets, the service worker, the manifest, /healthz and the
    templates' filters (core/web.py)."""
    from core import web

    web.init_app(app)
