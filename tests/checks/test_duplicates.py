from __future__ import annotations

import uuid

from gangway.checks.duplicates import DuplicateHit, check_duplicates, fingerprints
from gangway.checks.results import Outcome
from gangway.kit.keyring import Keyring
from tests.checks.factories import submission


def hit(status: str, basis: str = "document") -> DuplicateHit:
    return DuplicateHit(uuid.uuid4(), uuid.uuid4(), status, basis)


def test_no_other_individual_passes() -> None:
    assert check_duplicates([]).result is Outcome.passed


def test_same_identity_elsewhere_warns() -> None:
    result = check_duplicates([hit("activated"), hit("onboarding_data_provided", "email")])
    assert result.result is Outcome.warn
    assert "document and email" in result.reason
    assert len(result.detail["matches"]) == 2


def test_same_identity_on_a_blocked_individual_fails() -> None:
    result = check_duplicates([hit("activated"), hit("blocked", "email")])
    assert result.result is Outcome.fail
    assert "blocked" in result.reason


def test_fingerprints_ignore_case_and_punctuation() -> None:
    keyring = Keyring.from_secret("s" * 40)
    a = fingerprints(
        submission(document={"number": "ab-123 4567"}, email="Astrid@Example.com"), keyring
    )
    b = fingerprints(
        submission(document={"number": "AB1234567"}, email="astrid@example.com"), keyring
    )
    assert a == b
    other_country = fingerprints(submission(document={"issuing_country": "NO"}), keyring)
    assert other_country["document"] != b["document"]


def test_fingerprints_are_keyed_blind_indexes() -> None:
    """Another server secret gives other values: a stolen table cannot be matched by hashing
    guessed emails without the key."""
    data = submission(email="astrid@example.com")
    mine = fingerprints(data, Keyring.from_secret("s" * 40))
    theirs = fingerprints(data, Keyring.from_secret("t" * 40))
    assert mine["email"] != theirs["email"]
    assert "astrid" not in mine["email"]
