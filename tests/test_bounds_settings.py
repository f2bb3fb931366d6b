"""The bounds' settings (issue 18): their documented defaults, and every setting in the README's
configuration table."""

from __future__ import annotations

from pathlib import Path

import pytest

from programhub.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BOUNDS = {
    "request_timeout": 30.0,
    "max_in_flight": 256,
    "max_connections": 1024,
    "max_header_bytes": 16 * 1024,
    "max_headers": 100,
    "header_timeout": 10.0,
    "keep_alive_timeout": 5,
    "credential_page_rate_limit": 60,
}


def test_the_bounds_have_their_documented_defaults() -> None:
    settings = Settings.from_env({})
    assert {name: getattr(settings, name) for name in BOUNDS} == BOUNDS


def test_every_setting_is_in_the_readme_table_and_every_bound_in_the_security_doc() -> None:
    readme = (ROOT / "README.md").read_text()
    security = (ROOT / "docs" / "security.md").read_text()
    for name in Settings.model_fields:
        variable = f"`PROGRAMHUB_{name.upper()}`"
        assert f"| {variable} |" in readme, variable
        if name in BOUNDS:
            assert variable in security, variable


def test_bounds_come_from_the_environment_and_bad_ones_are_refused() -> None:
    settings = Settings.from_env({"PROGRAMHUB_REQUEST_TIMEOUT": "0.5", "PROGRAMHUB_MAX_CONNECTIONS": "10"})
    assert (settings.request_timeout, settings.max_connections) == (0.5, 10)
    with pytest.raises(ValueError, match="PROGRAMHUB_MAX_HEADER_BYTES"):
        Settings.from_env({"PROGRAMHUB_MAX_HEADER_BYTES": "100"})
    with pytest.raises(ValueError, match="PROGRAMHUB_REQUEST_TIMEOUT"):
        Settings.from_env({"PROGRAMHUB_REQUEST_TIMEOUT": "0"})
