"""Seal on approval and after an overturned dispute (inside the same transaction)."""
from audits import events


def on_approved(audit, **_):
    from records.seal import seal

    seal(audit, "approved")


def on_dispute_decided(dispute, **_):
    from records.seal import seal

    if dispute.status == "overturned":
        seal(dispute.audit, "overturned")


def connect():
    events.audit_approved.connect(on_approved, weak=False)
    events.dispute_decided.connect(on_dispute_decided, weak=False)
