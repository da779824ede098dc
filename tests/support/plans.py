"""Reading PostgreSQL plans of the server's own statements (tests/server/test_pull_plan.py, test_push_plan.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy.engine import Dialect


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of an ``EXPLAIN (FORMAT JSON)`` plan, the root first."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def as_sent(query: Any, dialect: Dialect, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """``query`` as the server's driver sends it with ``params``: its text with ``$n`` placeholders (for
    ``PREPARE``) and their values in order."""
    bound = query.compile(dialect=dialect).construct_expanded_state(dict(params))
    names: list[str] = []

    def placeholder(m: re.Match[str]) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"

    text = re.sub(r"%\((\w+)\)s", placeholder, bound.statement).replace("%%", "%")
    return text, [bound.parameters[n] for n in names]
