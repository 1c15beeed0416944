"""Work done outside the request: e-mails now, report batches and the monthly delivery later.

A job is a plain function of plain arguments (ids, not objects) that opens its own app context
(:func:`jobs.queue.job_context`), so it runs the same in the worker and inline. ``init_app`` binds
the mail extension, the after-commit hook and the ``worker`` command to the app.
"""


def init_app(app):
    from jobs import cli, mail, queue

    queue.init_app(app)
    mail.init_app(app)
    cli.register(app)
