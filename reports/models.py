"""Monthly roll-ups of the approved audits: counts and sums (never means), so that a report adds
up a few rows per month instead of reading every audit, section score and answer of its period.

Three levels of each kind: per branch (region and branch figures, the branch ranking), per
employee (an employee's figures, the employee ranking; an audit without an employee is not in
it) and for the whole company (the branches added up: the company-wide comparison on every branch
and employee report, HR's and admins' overview, a row per month instead of one per branch).
``month`` is the first day of the month of ``started_at`` (1900-01-01 for an audit without a
start time, which only a report without a period counts). Rows whose counts fell
to zero (an audit taken out again) are left in place and ignored by the reads.

Kept by reports/rollups.py; read by reports/sums.py.
"""
from sqlalchemy import Column, Date, Float, Index, Integer, String, Table, UniqueConstraint

from extensions import db

LEVELS = ("branch", "employee", "company")

# The dimensions every roll-up has, then each kind's own; the measures are added (or taken away).
COMMON = ("branch_id", "month", "scorecard_id", "channel")
KINDS = {
    "audit": {"dims": (), "measures": ("audits", "scored", "score_sum", "passed", "critical")},
    "section": {"dims": ("section_id", "section_key", "position"), "measures": ("rows", "scored", "score_sum")},
    "criterion": {"dims": ("criterion_id", "criterion_key", "kpi"),
                  "measures": ("answers", "answered", "full", "earned", "possible", "numbers", "number_sum")},
}
FLOATS = {"score_sum", "earned", "possible", "number_sum"}
_LENGTHS = {"channel": 16, "section_key": 64, "criterion_key": 64, "kpi": 32}


def _type(key: str):
    if key == "month":
        return Date()
    return String(_LENGTHS[key]) if key in _LENGTHS else Integer()


def dims(kind: str, level: str) -> tuple:
    if level == "company":  # the branches added up: a company-wide figure reads a row per month
        return tuple(k for k in COMMON if k != "branch_id") + KINDS[kind]["dims"]
    return (("employee_id",) if level == "employee" else ()) + COMMON + KINDS[kind]["dims"]


def _table(kind: str, level: str) -> Table:
    name = f"rollup_{kind}_{level}"
    keys = dims(kind, level)
    columns = [Column("id", Integer, primary_key=True)]
    columns += [Column(k, _type(k), nullable=False) for k in keys]
    columns += [Column(m, Float if m in FLOATS else Integer, nullable=False, default=0)
                for m in KINDS[kind]["measures"]]
    # The unique key is the upsert's target and the reads' index: (employee,) branch, then month.
    extra = []
    if (kind, level) == ("audit", "employee"):
        # A branch's employees ranked (the branch page, a manager's overview): its rows, not the company's.
        extra.append(Index(f"ix_{name}_branch_month", "branch_id", "month"))
        # Every employee ranked (HR's list): the period's rows read from this index alone, without
        # the table (an index-only scan on PostgreSQL, a covering index on SQLite).
        extra.append(Index(f"ix_{name}_month_employee", "month", "employee_id", *KINDS[kind]["measures"]))
    return Table(name, db.metadata, *columns, UniqueConstraint(*keys, name=f"uq_{name}"), *extra)


TABLES = {(kind, level): _table(kind, level) for kind in KINDS for level in LEVELS}
