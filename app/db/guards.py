"""Is the access log append-only for the hub's own database connection? (Checked at start-up.)

PostgreSQL: the connected role must not be able to UPDATE, DELETE or TRUNCATE the log tables
(it is a member of the app's group role, which migration 0007 grants only SELECT and INSERT
there, and it owns nothing). SQLite: the triggers of migration 0007 must be in place.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

LOG_TABLES = ("access_log", "audit_checkpoints")
# History the app only appends to, guarded the same way by their migrations (0014, 0016, 0017):
# the app role may only SELECT and INSERT them on PostgreSQL, triggers refuse UPDATE and DELETE
# on SQLite. Not checked at start-up (the log is); tests/api/test_log_append_only.py holds them.
HISTORY_TABLES = (
    "cell_declarations",
    "declaration_acceptances",
    "feedback_votes",
    "strategy_priorities",
)
FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE")
TRIGGERS = tuple(f"{t}_no_{a}" for t in LOG_TABLES for a in ("update", "delete"))


class LogNotAppendOnly(RuntimeError):
    """The hub's connection could rewrite the access log (production refuses to start)."""


def _postgresql(conn: Connection, app_role: str) -> str | None:
    exists = text("SELECT to_regclass(:t) IS NOT NULL")
    if not all(conn.execute(exists, {"t": table}).scalar() for table in LOG_TABLES):
        return "the access log tables do not exist: run `livc-hub migrate`"
    found = [
        f"{privilege} {table}"
        for table in LOG_TABLES
        for privilege in FORBIDDEN
        if conn.execute(
            text("SELECT has_table_privilege(:t, :p)"), {"t": table, "p": privilege}
        ).scalar()
    ]
    if not found:
        return None
    user = conn.execute(text("SELECT current_user")).scalar()
    return (
        f"the database role {user!r} can {', '.join(found)}: the access log is not append-only "
        f"for the hub. Run the hub as a login role that is a member of {app_role!r} and owns no "
        f"table (CREATE ROLE livc_hub LOGIN; GRANT {app_role} TO livc_hub; migrate as the owner "
        "with its own URL): README, 'Running it for real'"
    )


def _sqlite(conn: Connection) -> str | None:
    rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    missing = sorted(set(TRIGGERS) - {name for (name,) in rows})
    if not missing:
        return None
    return (
        f"the triggers that keep the access log append-only are missing ({', '.join(missing)}): "
        "run `livc-hub migrate`"
    )


def append_only_problem(conn: Connection, app_role: str) -> str | None:
    """Why the log is not append-only for this connection, or None if it is."""
    if conn.dialect.name == "postgresql":
        return _postgresql(conn, app_role)
    if conn.dialect.name == "sqlite":
        return _sqlite(conn)
    return None


def enforce(problem: str | None, *, refuse: bool) -> None:
    """Refuse (production) or warn (other modes) about a problem ``append_only_problem`` found."""
    if problem is None:
        return
    if refuse:
        raise LogNotAppendOnly(f"refusing to start in production: {problem}")
    logger.warning("%s (production mode would refuse to start)", problem)


async def check_append_only(engine: AsyncEngine, app_role: str, *, refuse: bool) -> None:
    """Start-up check on the app's engine: refuse or warn if the log is not append-only."""
    try:
        async with engine.connect() as conn:
            problem = await conn.run_sync(append_only_problem, app_role)
    except SQLAlchemyError as exc:  # the message could name the server; the class is enough
        problem = f"cannot check that the access log is append-only ({type(exc).__name__})"
    enforce(problem, refuse=refuse)
