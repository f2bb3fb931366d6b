"""`programhub serve` bounds glibc's malloc arenas for itself and its worker processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = "import os; from programhub.web.server import bound_malloc_arenas; print(bound_malloc_arenas(), os.environ['MALLOC_ARENA_MAX'])"


def _probe(**env: str) -> str:
    clean = {name: value for name, value in os.environ.items() if name != "MALLOC_ARENA_MAX"}
    return subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_two_arenas_unless_the_operator_chose() -> None:
    assert _probe() == "True 2"
    assert _probe(MALLOC_ARENA_MAX="4") == "True 4"
