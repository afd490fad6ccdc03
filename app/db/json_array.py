"""``json_array_has(column, value)``: a JSON array column holds a string, on both databases.

PostgreSQL: ``CAST(column AS JSONB) @> '["value"]'``, which a GIN index on the same expression
serves. SQLite: ``EXISTS (SELECT 1 FROM json_each(column) WHERE value = ...)``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, ColumnElement, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.expression import FunctionElement


class json_array_has(FunctionElement[bool]):  # noqa: N801 - reads as a SQL function
    """True where the JSON array in the first argument contains the string in the second."""

    type = Boolean()
    inherit_cache = True
    name = "json_array_has"

    def __init__(self, column: ColumnElement[Any] | InstrumentedAttribute[Any], value: str) -> None:
        super().__init__(column, literal(value), literal(json.dumps([value])))


@compiles(json_array_has, "postgresql")
def _postgresql(element: json_array_has, compiler: Any, **kw: Any) -> str:
    column, _, as_array = list(element.clauses)
    return (
        f"CAST({compiler.process(column, **kw)} AS JSONB) @> "
        f"CAST({compiler.process(as_array, **kw)} AS JSONB)"
    )


@compiles(json_array_has, "sqlite")
def _sqlite(element: json_array_has, compiler: Any, **kw: Any) -> str:
    column, value, _ = list(element.clauses)
    # Compiled fragments only: the value stays a bound parameter.
    array, item = compiler.process(column, **kw), compiler.process(value, **kw)
    return f"EXISTS (SELECT 1 FROM json_each({array}) WHERE json_each.value = {item})"  # noqa: S608
