"""A short-lived cache for the report aggregates (reports/queries.py decorates them with ``cached``).

Company-wide figures aggregate up to a million answers (a second on SQLite). They are kept per
process for REPORTS_CACHE_SECONDS (default 120, off under TESTING; 0 turns it off), dropped when
the data stamp changes: audits per status, the newest audit, answer and employee ids. So a new,
submitted, returned or approved audit shows at the next request. Results are copied out, so a
caller may change what it gets.
"""
from __future__ import annotations

import copy
import functools
import threading
import time
from collections import OrderedDict

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import func, select

from audits.models import Answer, Audit
from branches.models import Employee
from extensions import db

_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
CACHE_ENTRIES = 256


def _stamp():
    """What changes when anything a report counts changes (memoised for one request)."""
    if has_request_context() and "reports_stamp" in g:
        return g.reports_stamp
    statuses = tuple(tuple(r) for r in db.session.execute(
        select(Audit.status, func.count()).group_by(Audit.status).order_by(Audit.status)))
    newest = tuple(db.session.execute(select(
        select(func.max(Audit.id)).scalar_subquery(), select(func.max(Answer.id)).scalar_subquery(),
        select(func.max(Employee.id)).scalar_subquery(), select(func.count(Employee.id)).scalar_subquery())).one())
    stamp = (statuses, newest)
    if has_request_context():
        g.reports_stamp = stamp
    return stamp


def _cache_seconds() -> float:
    """REPORTS_CACHE_SECONDS; by default 120, and off under TESTING (tests empty and refill one
    PostgreSQL database, where two tests' data can share a stamp) unless a test turns it on."""
    if not has_app_context():
        return 0
    config = current_app.config
    return config.get("REPORTS_CACHE_SECONDS", 0 if config.get("TESTING") else 120) or 0


def cached(fn):
    """Memoise an aggregate by (function, arguments, database, data stamp) for a short while."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        seconds = _cache_seconds()
        if not seconds:
            return fn(*args, **kwargs)
        key = (fn.__name__, args, tuple(sorted(kwargs.items())), str(db.engine.url), _stamp())
        now = time.monotonic()
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] > now:
                _cache.move_to_end(key)
                return copy.deepcopy(hit[1])
        value = fn(*args, **kwargs)
        with _cache_lock:
            _cache[key] = (now + seconds, copy.deepcopy(value))
            while len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
        return value
    wrapper.uncached = fn
    return wrapper


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
