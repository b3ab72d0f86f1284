"""SQL the planners need spelled out.

SQLite's planner has no statistics unless ANALYZE ran: faced with an index it can search
by a range (`next_attempt_at <= ?`), it searches and sorts every match, even when another
index already holds the rows in the ORDER BY order and a LIMIT would stop early. A unary
`+` on a column (SQLite's documented way) takes that column's index out of the choice.
PostgreSQL plans by cost and has no such operator for timestamps: there it is the column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class NotIndexed(ColumnElement[Any]):
    inherit_cache = True
    _traverse_internals = (("column", InternalTraversal.dp_clauseelement),)  # type: ignore[assignment]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


def not_indexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return NotIndexed(column)


@compiles(NotIndexed)
def _plain(element: NotIndexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(NotIndexed, "sqlite")
def _unary_plus(element: NotIndexed, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))
