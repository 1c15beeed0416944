"""Bulk writing: rows per table in chunks (Core executemany on SQLite, COPY on PostgreSQL), and
the checks a load without per-row foreign-key triggers needs."""
from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.generate import Report


def _sql_null_for_none(column) -> bool:
    """As the ORM stores None: SQL NULL in a nullable column, the JSON ``null`` in a JSON column
    that may not be NULL (Answer.value of a comment-only answer, AuditEvent.before/after)."""
    return column.nullable or column.type.__class__.__name__ != "JSON"


class Writer:
    """Rows per table, flushed in chunks: Core executemany, or COPY on PostgreSQL."""

    def __init__(self, conn, tables: dict, postgres: bool, chunk: int = 20_000):
        self.conn, self.tables, self.postgres, self.chunk = conn, tables, postgres, chunk
        self.rows = {name: [] for name in tables}
        self.counts = Counter()

    def add(self, name: str, row: dict) -> None:
        rows = self.rows[name]
        rows.append(row)
        if len(rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        """Every table, parents first: foreign keys are checked as rows arrive."""
        for name, rows in self.rows.items():
            if not rows:
                continue
            if self.postgres:
                self._copy(name, rows)
            else:
                self._executemany(name, rows)
            self.counts[name] += len(rows)
            self.rows[name] = []

    def _executemany(self, name: str, rows: list) -> None:
        """Core's INSERT by executemany, with each column's own bind processor applied once here
        (the values stored are what ``table.insert()`` would store, at half the cost)."""
        table = self.tables[name]
        columns = list(rows[0])
        dialect = self.conn.dialect
        procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        nulls = [_sql_null_for_none(table.c[c]) for c in columns]
        sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
        cols = list(zip(columns, procs, nulls, strict=True))
        self.conn.exec_driver_sql(sql, [
            tuple(None if v is None and null else p(v) if p else v for c, p, null in cols for v in (row[c],))
            for row in rows])

    def _copy(self, name: str, rows: list) -> None:
        table = self.tables[name]
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        nullable = {c: _sql_null_for_none(table.c[c]) for c in columns}
        raw = self.conn.connection.driver_connection
        sql = f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN'
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[c] if c not in json_columns or (row[c] is None and nullable[c])
                                else json.dumps(row[c]) for c in columns])


def bulk_load_settings(conn, report: Report) -> None:
    """PostgreSQL, for this transaction only: skip the per-row foreign-key triggers where the role
    may (as ``pg_restore --disable-triggers`` does; every row here refers to rows made just before),
    and do not wait for the WAL flush at commit. Without the privilege, the load checks every row."""
    from sqlalchemy import text

    conn.execute(text("SET LOCAL synchronous_commit = off"))
    try:
        with conn.begin_nested():
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        report.phases["foreign_key_triggers_skipped"] = 1
    except Exception:  # noqa: BLE001  not a superuser: keep the checks
        report.phases["foreign_key_triggers_skipped"] = 0


def check_foreign_keys(conn, tables) -> None:
    """After a load without the per-row checks: every reference made must exist (one anti-join each)."""
    from sqlalchemy import text

    for table in tables:
        for fk in table.foreign_keys:
            child, parent = fk.parent, fk.column
            missing = conn.execute(text(
                f'SELECT count(*) FROM "{table.name}" c WHERE c."{child.name}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM "{parent.table.name}" p WHERE p."{parent.name}" = c."{child.name}")')).scalar()
            if missing:
                raise RuntimeError(f"{missing} rows of {table.name}.{child.name} refer to no {parent.table.name}")


def drop_secondary_indexes(conn, tables) -> list[str]:
    """PostgreSQL: drop the indexes of ``tables`` that back no constraint (keys and unique
    constraints stay) and return their definitions, for :func:`create_indexes` once the rows are
    in: one sorted build per index instead of a random insertion per row, as pg_restore does.
    In the load's transaction, so a failed load gets them back with its rollback."""
    from sqlalchemy import text

    rows = conn.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = ANY(:names) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"),
        {"names": [t.name for t in tables]}).all()
    for name, _definition in rows:
        conn.execute(text(f"DROP INDEX {name}"))
    return [definition for _name, definition in rows]


def create_indexes(conn, definitions: list[str]) -> None:
    from sqlalchemy import text

    conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    for definition in definitions:
        conn.execute(text(definition))
