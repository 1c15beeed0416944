"""Display labels of the values every area shows: channels, audit statuses and KPI tags, defined
once so that the builder, the audit pages, the reports, the PDFs and the exports word them alike.

The keys are the models' constants (scorecards.models.CHANNELS and KPI_TAGS,
audits.models.AUDIT_STATUSES); this module imports no feature package, so any layer may read it.
"""
from flask_babel import lazy_gettext as _l

CHANNEL_LABELS = {"visit": _l("Visit"), "call": _l("Call"), "email": _l("Email"), "chat": _l("Chat"),
                  "social": _l("Social media")}
AUDIT_STATUS_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"), "returned": _l("Returned"),
                       "approved": _l("Approved")}
KPI_LABELS = {
    "name_given": _l("Name given"), "greeting": _l("Greeting"), "courtesy": _l("Courtesy"),
    "accuracy": _l("Accuracy of the information"), "product_knowledge": _l("Product knowledge"),
    "promise_kept": _l("Promises kept"), "first_contact_resolution": _l("First-contact resolution"),
    "wait_time": _l("Wait time"), "follow_up": _l("Follow-up offered"), "farewell": _l("Farewell"),
}
