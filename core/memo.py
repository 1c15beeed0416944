"""Answers kept for the rest of a database transaction, forgotten by any flush.

A request asks some questions several times through different services (the latest published
version of a scorecard, a setting that has no row, whether a month holds an approved audit): the
answer cannot change until something is written, so the first one is kept in the session for the
transaction. Any flush forgets them all (it may have changed the answer), as does a new
transaction. Written here because SQLAlchemy's identity map keeps rows by primary key only, not
the answer to a query, and not a row that is absent.
"""
from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db

_KEY = "veraz_transaction_memo"


def remembered(key: tuple, compute):
    """``compute()``'s answer to ``key`` (a tuple naming the question), asked once per transaction."""
    session = db.session()
    memo = session.info.get(_KEY)
    if memo is not None and memo[0] is session.get_transaction() and key in memo[1]:
        return memo[1][key]
    answer = compute()
    transaction = session.get_transaction()  # begun by compute()'s query if it was not
    if memo is None or memo[0] is not transaction:
        memo = session.info[_KEY] = (transaction, {})
    memo[1][key] = answer
    return answer


def forget(session=None) -> None:
    """Forget every kept answer (a service that changes one without flushing calls this)."""
    (session or db.session()).info.pop(_KEY, None)


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session, _context) -> None:
    forget(session)
