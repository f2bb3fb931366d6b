"""Catalog's timestamps keep their documented shapes for every year a client can send
(the schema fuzz found the year 690 answered as `690/07/07 ...`: strftime's `%Y` does not
pad on glibc)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from programhub.dialects.catalog.docs import TIMESTAMP
from programhub.dialects.catalog.responses import timestamp
from programhub.web.formats import iso_millis


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(690, 7, 7, 2, 4, 6, tzinfo=UTC), "0690/07/07 02:04:06 +0000"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001/01/01 00:00:00 +0000"),
        (datetime(2025, 3, 28, 13, 11, 23, 999999, tzinfo=UTC), "2025/03/28 13:11:23 +0000"),
        (datetime(2025, 3, 28, 15, 11, 23, tzinfo=timezone(timedelta(hours=2))), "2025/03/28 13:11:23 +0000"),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "9999/12/31 23:59:59 +0000"),
    ],
)
def test_catalog_timestamps_have_four_digit_years_in_utc(moment: datetime, expected: str) -> None:
    assert timestamp(moment) == expected
    assert re.match(TIMESTAMP, expected)


def test_a_users_iso_times_have_four_digit_years_and_milliseconds() -> None:
    assert iso_millis(datetime(690, 7, 7, 2, 4, 6, 503999, tzinfo=UTC)) == "0690-07-07T02:04:06.503Z"
    assert timestamp(None) is None and iso_millis(None) is None
