"""The SQL statements a live hub runs while a block of a test runs (one line each)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.support.live import LiveHub


@contextmanager
def statements(hub: LiveHub) -> Iterator[list[str]]:
    """Collect every statement the hub's engine sends, whitespace folded, until the block ends."""
    engine = hub.server.config.app.state.hub.engine.sync_engine
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
