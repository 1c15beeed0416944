"""Coaching and recognition: a manager's coaching sessions with an employee (and whether they
worked: the rate of full points on the coached criteria before and after), and the employees a
period's audits recognise. See docs/coaching.md."""


def init_app(app):
    """The coaching sessions' section of the personal-data document (security/personal_data.py,
    which sits below coaching); the pages are registered with the others (coaching/routes.py)."""
    from coaching import personal_data

    personal_data.register()
