from __future__ import annotations

import pytest

from programhub.settings import Settings


def test_defaults_are_the_documented_ones() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///./var/programhub.db"
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.webadmit_rate_limit == 1000  # WebAdMIT's v1.md (issue 19; 5,000 was an earlier reading)


def test_environment_overrides_and_trailing_slash() -> None:
    settings = Settings.from_env(
        {
            "PROGRAMHUB_DATABASE_URL": "postgresql://db/x",
            "PROGRAMHUB_PUBLIC_URL": "https://hub.example.edu/",
            "PROGRAMHUB_WEBADMIT_RATE_LIMIT": "10",
        }
    )
    assert settings.database_url == "postgresql://db/x"
    assert settings.public_url == "https://hub.example.edu"
    assert settings.webadmit_rate_limit == 10


@pytest.mark.parametrize("value", ["abc", "0", "-5"])
def test_bad_numbers_are_refused_with_the_variable_named(value: str) -> None:
    with pytest.raises(ValueError, match="PROGRAMHUB_WEBADMIT_RATE_LIMIT"):
        Settings.from_env({"PROGRAMHUB_WEBADMIT_RATE_LIMIT": value})
