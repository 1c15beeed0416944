"""The reports' roll-ups as stored, and as added up from the raw rows: equal after any change."""
from pytest import approx
from sqlalchemy import select

from audits.models import Audit
from extensions import db
from reports import rollups
from reports.models import KINDS, TABLES, dims


def stored(kind, level) -> dict:
    """The roll-up as the table holds it: rows whose counts fell to zero are not there for a reader."""
    table, keys, measures = TABLES[kind, level], dims(kind, level), KINDS[kind]["measures"]
    rows = db.session.execute(select(table)).mappings()
    return {tuple(r[k] for k in keys): {m: r[m] for m in measures} for r in rows if r[measures[0]]}


def computed(kind, level) -> dict:
    """The same roll-up added up from the approved audits, their section scores and answers."""
    keys, measures = dims(kind, level), KINDS[kind]["measures"]
    conditions = [Audit.status == "approved"] + ([Audit.employee_id.is_not(None)] if level == "employee" else [])
    rows = db.session.execute(rollups.raw_select(kind, keys, conditions)).mappings()
    return {tuple(r[k] for k in keys): {m: r[m] for m in measures} for r in rows}


def assert_rollups_match_the_raw_rows():
    for kind, level in TABLES:
        have, want = stored(kind, level), computed(kind, level)
        assert set(have) == set(want), (kind, level)
        for key, measures in want.items():
            assert have[key] == {m: approx(v) for m, v in measures.items()}, (kind, level, key)
