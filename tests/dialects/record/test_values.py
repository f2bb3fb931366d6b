"""The value rules behind issuing, without a database: email checks and recipient ids."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from programhub.core.credentials import service as credentials
from programhub.core.errors import Invalid
from programhub.core.ids import unguessable_ids


def _accepted_by_email_validator(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _accepted_by_us(email: str) -> bool:
    try:
        credentials.checked_email("email", email)
    except Invalid:
        return False
    return True


_local = st.text(alphabet="abcXYZ019._-+!#$%&'*/=?^`{|}~\"@ ()<>,;:\\[]é", min_size=0, max_size=12)
_domain = st.text(alphabet="abcXYZ019.-_é@ []", min_size=0, max_size=14) | st.sampled_from(
    ["example.edu", "EXAMPLE.EDU", "localhost", "test", "x.test", "a.b", "1.2.3.4", "xn--bcher-kva.de", "ab--cd.com", "-a.com", "a-.com"]
)


@given(local=_local, domain=_domain)
def test_the_fast_path_agrees_with_email_validator(local: str, domain: str) -> None:
    email = f"{local}@{domain}"
    if len(email) <= credentials.MAX_EMAIL_LENGTH and "\x00" not in email and email.strip():
        assert _accepted_by_us(email) is _accepted_by_email_validator(email), email


@given(email=st.emails())
def test_generated_addresses_agree_with_email_validator(email: str) -> None:
    if len(email) <= credentials.MAX_EMAIL_LENGTH:
        assert _accepted_by_us(email) is _accepted_by_email_validator(email), email


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("ada@example.edu", True),
        ("Ada.Lovelace+cert@Example.EDU", True),
        ("o'brien@school.ie", True),
        ("ü@bücher.de", True),
        ("ada@example", False),
        ("ada..l@example.edu", False),
        (".ada@example.edu", False),
        ("ada@-example.edu", False),
        ("ada@example.test", False),
        ("Ada <ada@example.edu>", False),
        ('"ada"@example.edu', False),
        ("ada@[127.0.0.1]", False),
    ],
)
def test_examples(email: str, valid: bool) -> None:
    assert _accepted_by_us(email) is valid


def test_recipient_ids_are_distinct_share_the_moment_and_carry_131_random_bits() -> None:
    moment = datetime(2025, 5, 19, 13, 30, 2, 952000, tzinfo=UTC)
    ids = unguessable_ids("rec", moment, 5000)
    assert len(ids) == len(set(ids)) == 5000
    assert all(re.fullmatch(r"rec_1747661402952_[0-9A-Za-z]{22}", i) and len(i) <= 40 for i in ids)
    # The random parts use the whole alphabet in every position (a biased draw would not).
    for position in range(22):
        assert {i[-22 + position] for i in ids} == set(string.digits + string.ascii_letters)
    assert unguessable_ids("rec", moment, 0) == []
