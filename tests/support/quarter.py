"""A small company's first quarter of 2025, with every figure computed by hand below.

Shared by the reports' tests (queries, pages, PDFs, exports) through the ``quarter`` fixture
(tests/conftest.py). Scores of the worked example (docs/scoring.md): section A (weight 2)
1 of 2 = 50 %, section B (weight 1) 2.5 of 3 = 83.3 %, audit (2 x 50 + 83.33) / 3 = 61.1 %.

Branch A (manager_a), employee Ana (employee_a) and Carla (a second employee of A):
  a1  2025-01-10  Ana    worked answers                         61.11  fail
  a2  2025-01-20  Ana    all full                              100.00  pass
  a4  2025-02-14  Carla  greet "no" (critical), waited 8 min      0.00  critical failure
  a5  2025-02-20  Carla  greet "yes", waited 3 min              100.00  pass
  a3  2025-03-05  Ana    A full, B nothing (scale 1, "no")       66.67  fail   (comment on b_scale)
  a6  2025-03-31 23:30  Ana  worked answers                      61.11  fail   (notes)
  not counted: a submitted audit (2025-03-10), a draft, an approved one on 2024-12-31 23:59.
Branch B (manager_b), employee Bruno (employee_b):
  b1  2025-02-01  Bruno  all full                              100.00  pass
"""
from datetime import date, datetime

from extensions import db
from tests import factories

PERIOD = {"from": "2025-01-01", "to": "2025-03-31"}
PERFECT = {"a_yes": "yes", "a_no": "yes", "a_na": "yes", "b_scale": 5, "b_yes": "yes"}
B_NOTHING = {"a_yes": "yes", "a_no": "yes", "a_na": "na", "b_scale": 1, "b_yes": "no"}
WAIT_CARD = {
    "slug": "counter",
    "name": {"es": "Mostrador", "en": "Counter"},
    "channel": "visit",
    "sections": [
        {"key": "s", "title": {"es": "Servicio", "en": "Service"}, "criteria": [
            {"key": "greet", "type": "yes_no", "critical": True, "kpi": "greeting",
             "text": {"es": "Saludó", "en": "Greeted"}},
            {"key": "wait", "type": "number", "target": {"op": "<=", "value": 5}, "kpi": "wait_time",
             "unit": "min", "text": {"es": "Minutos de espera", "en": "Minutes waited"}},
        ]},
    ],
}


def build_quarter(world) -> dict:
    """Create the audits above (inside an app context); returns their ids and the new employee's."""
    v = factories.scorecard()
    wait = factories.scorecard(data=WAIT_CARD)
    a, b = world["branch_a"], world["branch_b"]
    ana, bruno = world["employee_a"], world["employee_b"]
    from branches.models import Branch
    carla = factories.employee(db.session.get(Branch, a), name="Carla Employee").id
    aud = world["auditor"]["id"]
    ids = {"version": v.id, "scorecard": v.scorecard_id, "wait_scorecard": wait.scorecard_id, "carla": carla}
    ids["a1"] = factories.audit(v, aud, a, employee_id=ana, started_at=datetime(2025, 1, 10, 10)).id
    ids["a2"] = factories.audit(v, aud, a, PERFECT, employee_id=ana, started_at=datetime(2025, 1, 20, 11)).id
    ids["a4"] = factories.audit(wait, aud, a, {"greet": "no", "wait": 8}, employee_id=carla,
                                started_at=datetime(2025, 2, 14, 9)).id
    ids["a5"] = factories.audit(wait, aud, a, {"greet": "yes", "wait": 3}, employee_id=carla,
                                started_at=datetime(2025, 2, 20, 9)).id
    ids["a3"] = factories.audit(v, aud, a, B_NOTHING, employee_id=ana, started_at=datetime(2025, 3, 5, 12),
                                comments={"b_scale": "Rude at the till =HYPERLINK(\"http://evil.example\")"}).id
    ids["a6"] = factories.audit(v, world["auditor2"]["id"], a, employee_id=ana,
                                started_at=datetime(2025, 3, 31, 23, 30), notes="Good visit overall").id
    ids["submitted"] = factories.audit(v, aud, a, PERFECT, status="submitted", employee_id=ana,
                                       started_at=datetime(2025, 3, 10, 10)).id
    ids["draft"] = factories.audit(v, aud, a, {}, status="draft", employee_id=ana,
                                   started_at=datetime(2025, 3, 11, 10)).id
    ids["old"] = factories.audit(v, aud, a, PERFECT, employee_id=ana, started_at=datetime(2024, 12, 31, 23, 59)).id
    ids["b1"] = factories.audit(v, aud, b, PERFECT, employee_id=bruno, started_at=datetime(2025, 2, 1, 10)).id
    db.session.commit()
    return ids


def period_filters(**kw):
    from reports.queries import Filters

    values = {"scope": None, "date_from": date(2025, 1, 1), "date_to": date(2025, 3, 31)}
    values.update(kw)
    return Filters(**values)
