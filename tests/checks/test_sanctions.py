from __future__ import annotations

import io
from datetime import date
from importlib import resources

import pytest

from gangway.checks import sanctions
from gangway.checks.results import Outcome
from gangway.errors import ValidationFailed


def sample_rows() -> list[dict]:  # type: ignore[type-arg]
    text = resources.files("gangway.checks").joinpath("data/sample_sanctions.csv").read_text()
    return list(sanctions.parse_csv(io.StringIO(text, newline="")))


def sample_index() -> sanctions.SanctionsIndex:
    return sanctions.SanctionsIndex(
        sanctions.ScreeningEntry(
            source_id=row["source_id"],
            name=row["name"],
            names=tuple(row["names"]),
            birth_dates=tuple(row["birth_dates"]),
            countries=tuple(row["countries"]),
            sanctions=row["sanctions"],
            dataset=row["dataset"],
        )
        for row in sample_rows()
    )


def screen(name: str, birth: date | None) -> sanctions.CheckResult:  # type: ignore[name-defined]
    index = sample_index()
    return sanctions.check_sanctions(index.search(name, birth), len(index))


class TestParsing:
    def test_sample_keeps_persons_only_with_aliases_and_dates(self) -> None:
        rows = sample_rows()
        assert len(rows) == 6  # the Organization row is skipped
        kim = next(r for r in rows if r["source_id"] == "gw-sample-0005")
        # "Kim Chol-Su" and its alias "Kim Chol Su" normalise to one name.
        assert kim["names"] == ["kim chol su", "chol su kim"]
        tabrizi = next(r for r in rows if r["source_id"] == "gw-sample-0003")
        assert tabrizi["birth_dates"] == ["1961-09-30", "1962-09-30"]
        assert tabrizi["countries"] == ["IR"]

    def test_a_file_in_another_layout_is_refused(self) -> None:
        with pytest.raises(ValidationFailed, match="missing columns"):
            list(sanctions.parse_csv(io.StringIO("name,country\nX,Y\n")))


class TestScreening:
    def test_exact_name_and_birth_date_is_a_strong_match_and_fails(self) -> None:
        result = screen("Viktor Morozko", date(1968, 4, 12))
        assert result.result is Outcome.fail
        match = result.detail["matches"][0]
        assert match["entry_id"] == "gw-sample-0001"
        assert match["birth_date_match"] is True

    def test_reordered_name_with_year_only_birth_date_fails(self) -> None:
        result = screen("Okonkwo-Baptiste Amara", date(1975, 8, 1))
        assert result.result is Outcome.fail

    def test_strong_name_without_listed_birth_date_fails(self) -> None:
        assert screen("Lena Marquardt Solberg", date(1980, 1, 1)).result is Outcome.fail

    def test_misspelt_name_is_a_weak_match_and_warns(self) -> None:
        result = screen("Viktor Morozkin", date(1968, 4, 12))
        assert result.result is Outcome.warn
        assert result.detail["matches"][0]["name"] == "Viktor Ignatovich Morozko"

    def test_exact_name_with_another_birth_date_only_warns(self) -> None:
        result = screen("Johan Erik Wallenquist", date(1991, 1, 1))
        assert result.result is Outcome.warn
        assert result.detail["matches"][0]["birth_date_match"] is False

    def test_near_name_with_another_birth_date_is_ignored(self) -> None:
        assert screen("Viktor Morozkin", date(1991, 1, 1)).result is Outcome.passed

    def test_unrelated_name_passes(self) -> None:
        result = screen("Astrid Lindqvist", date(1990, 4, 17))
        assert result.result is Outcome.passed
        assert "6 listed persons" in result.reason

    def test_organisations_are_not_matched(self) -> None:
        assert screen("Northwind Shell Trading LLC", None).result is Outcome.passed

    def test_no_list_loaded_warns(self) -> None:
        result = sanctions.check_sanctions([], 0)
        assert result.result is Outcome.warn
        assert "No sanctions list" in result.reason

    def test_birth_date_precision(self) -> None:
        assert sanctions.birth_date_agrees(["1975"], date(1975, 8, 1)) is True
        assert sanctions.birth_date_agrees(["1975-08"], date(1975, 9, 1)) is False
        assert sanctions.birth_date_agrees([], date(1975, 8, 1)) is None
