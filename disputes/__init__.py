"""Disputes: the audited employee (or a manager of the branch on their behalf) challenges an
approved audit within the admin's window; the auditor may comment; a decider upholds or overturns
it (the disputed answers changed and the audit rescored by the same engine), or the opener
withdraws it. See docs/disputes.md."""
