"""A nested program's flattened config categories read as PostgreSQL's `config->>'key'`."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from programhub.store.sqljson import jsonb_text as config_text
from programhub.store import Store

CASES: list[tuple[Any, str | None]] = [
    (["Hindi", "Science"], '["Hindi", "Science"]'),
    ("Class 6", "Class 6"),
    ("", ""),
    (True, "true"),
    (False, "false"),
    (None, None),
    (3, "3"),
    (1.5, "1.5"),
    (1e20, "100000000000000000000"),
    ([], "[]"),
    ({}, "{}"),
    ({"name": "Maths", "id": 7, "tags": ["a", None]}, '{"id": 7, "name": "Maths", "tags": ["a", null]}'),
    ({"bb": 1, "a": 2, "ab": 3}, '{"a": 2, "ab": 3, "bb": 1}'),
    (['say "hi"', "back\\slash", "ünï", "line\nbreak", "\u0001"], '["say \\"hi\\"", "back\\\\slash", "ünï", "line\\nbreak", "\\u0001"]'),
    ([[1, 2], {"k": [True]}], '[[1, 2], {"k": [true]}]'),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_config_text_matches_postgresql(store: Store, value: Any, expected: str | None) -> None:
    assert config_text(value) == expected
    if store.engine.dialect.name == "postgresql":
        with store.read() as conn:
            shown = conn.execute(
                sa.text("SELECT CAST(:doc AS jsonb) ->> 'key'"), {"doc": orjson.dumps({"key": value}).decode()}
            ).scalar_one()
        assert shown == expected


def test_a_missing_key_is_null() -> None:
    assert config_text({}.get("medium")) is None
