"""Coaching and recognition: a manager's coaching sessions with an employee (and whether they
worked: the rate of full points on the coached criteria before and after), and the employees a
period's audits recognise. See docs/coaching.md."""
