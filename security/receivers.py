"""The security log's receivers: every account signal (accounts/signals.py) and every time report
data leaves Veraz (reports/signals.py) becomes an event."""
import re

from accounts import signals as account_signals
from extensions import db
from reports import signals as report_signals
from security.log import record

# Events about something that changes nothing are written at once, in a transaction of their own
# (security/log.py); the others join the request's (a login, a reset link: their routes commit).
ACCESS = {"login_failed", "logged_out", "export_downloaded", "pdf_downloaded"}


def _type(signal) -> str:
    return signal.name.replace("-", "_")


def _account_receiver(kind: str):
    def receive(sender, actor=None, address=None, email="", details=None, **_):
        subject = sender if sender is not None and hasattr(sender, "role") else None  # a User, or None
        if actor is None and kind == "login_succeeded":
            actor = subject
        record(kind, actor=actor, subject=subject, email=email or "", address=address, details=details,
               now=kind in ACCESS)
    receive.__name__ = f"record_{kind}"
    return receive


DAY = r"\d{4}-\d\d-\d\d"
EMPLOYEE_PDF = re.compile(rf"employee-(?P<code>.+?)-(?P<period>{DAY}-{DAY}|{DAY}|all)\.pdf")  # pdf.period_name


def _pdf_details(details: dict) -> dict:
    """An employee's PDF is logged by the employee's id, not the code in its file name: the log must
    name nobody once that person is erased (docs/security.md)."""
    match = EMPLOYEE_PDF.fullmatch(details.get("file", ""))
    if match is None:
        return details
    from branches.models import Employee

    employee_id = db.session.scalar(db.select(Employee.id).where(Employee.code == match["code"]))
    return {"file": "employee", "employee_id": employee_id, "period": match["period"]}


def _report_receiver(kind: str):
    def receive(sender, actor=None, details=None, **_):
        if kind == "pdf_downloaded":
            details = _pdf_details(details or {})
        if kind == "batch_requested":
            details = {"kind": sender.kind, "branch_id": sender.branch_id, "from": sender.date_from.isoformat(),
                       "to": sender.date_to.isoformat(), "subjects": sender.total}
        record(kind, actor=actor, details=details, now=kind in ACCESS)
    receive.__name__ = f"record_{kind}"
    return receive


_RECEIVERS = {}


def connect() -> None:
    """Idempotent (every test app calls it): one receiver per signal, kept alive here."""
    for signal in account_signals.ALL:
        receiver = _RECEIVERS.setdefault(signal.name, _account_receiver(_type(signal)))
        signal.connect(receiver, weak=False)
    kinds = {report_signals.export_downloaded: "export_downloaded", report_signals.pdf_downloaded: "pdf_downloaded",
             report_signals.batch_requested: "batch_requested"}
    for signal, kind in kinds.items():
        receiver = _RECEIVERS.setdefault(signal.name, _report_receiver(kind))
        signal.connect(receiver, weak=False)
