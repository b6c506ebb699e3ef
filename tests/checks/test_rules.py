from __future__ import annotations

from datetime import date

import pytest

from gangway.checks.countries import CountryRiskLists, check_country_risk, load_lists
from gangway.checks.results import CheckResult, Outcome, RiskLevel, risk_level
from gangway.checks.rules import (
    RecordedIdentity,
    check_age,
    check_data_consistency,
    check_document_expiry,
    check_pep,
    check_phone_verified,
    normalize_name,
)
from tests.checks.factories import submission

TODAY = date(2026, 3, 2)
RECORD = RecordedIdentity("Astrid", "Lindqvist", date(1990, 4, 17), "46701234567")


class TestAge:
    def test_adult_passes(self) -> None:
        result = check_age(submission(), TODAY)
        assert result.result is Outcome.passed
        assert result.detail == {"age": 35}

    def test_eighteenth_birthday_today_passes(self) -> None:
        result = check_age(submission(personal={"date_of_birth": "2008-03-02"}), TODAY)
        assert result.result is Outcome.passed

    def test_one_day_before_eighteen_fails(self) -> None:
        result = check_age(submission(personal={"date_of_birth": "2008-03-03"}), TODAY)
        assert result.result is Outcome.fail
        assert "under 18" in result.reason

    def test_implausible_age_warns(self) -> None:
        result = check_age(submission(personal={"date_of_birth": "1920-01-01"}), TODAY)
        assert result.result is Outcome.warn

    @pytest.mark.parametrize("value", [None, "", "17/04/1990", "1990-02-30", 19900417])
    def test_missing_or_malformed_birth_date_fails(self, value: object) -> None:
        result = check_age(submission(personal={"date_of_birth": value}), TODAY)  # type: ignore[dict-item]
        assert result.result is Outcome.fail


class TestDocumentExpiry:
    def test_far_expiry_passes(self) -> None:
        assert check_document_expiry(submission(), TODAY).result is Outcome.passed

    def test_expiry_within_30_days_warns(self) -> None:
        result = check_document_expiry(submission(document={"expiry_date": "2026-03-31"}), TODAY)
        assert result.result is Outcome.warn
        assert "within 30 days" in result.reason

    def test_expiry_exactly_30_days_ahead_passes(self) -> None:
        result = check_document_expiry(submission(document={"expiry_date": "2026-04-01"}), TODAY)
        assert result.result is Outcome.passed

    def test_expiring_today_is_still_valid_but_warns(self) -> None:
        result = check_document_expiry(submission(document={"expiry_date": "2026-03-02"}), TODAY)
        assert result.result is Outcome.warn

    def test_expired_fails(self) -> None:
        result = check_document_expiry(submission(document={"expiry_date": "2026-03-01"}), TODAY)
        assert result.result is Outcome.fail
        assert "expired" in result.reason

    def test_missing_expiry_fails(self) -> None:
        data = submission()
        del data["document"]
        assert check_document_expiry(data, TODAY).result is Outcome.fail


class TestDataConsistency:
    def test_same_data_passes(self) -> None:
        assert check_data_consistency(submission(), RECORD).result is Outcome.passed

    def test_case_accents_and_spacing_do_not_count(self) -> None:
        data = submission(personal={"first_name": "  ÁSTRID ", "last_name": "lindqvist"})
        assert check_data_consistency(data, RECORD).result is Outcome.passed

    def test_other_name_warns_with_both_values(self) -> None:
        data = submission(personal={"last_name": "Svensson"})
        result = check_data_consistency(data, RECORD)
        assert result.result is Outcome.warn
        assert result.detail["differences"] == {
            "last_name": {"submitted": "Svensson", "registered": "Lindqvist"}
        }

    def test_other_birth_date_warns(self) -> None:
        data = submission(personal={"date_of_birth": "1990-04-18"})
        result = check_data_consistency(data, RECORD)
        assert result.result is Outcome.warn
        assert "date_of_birth" in result.reason

    def test_normalize_name(self) -> None:
        assert normalize_name("José  O'Neil-Smith") == "jose o neil smith"


class TestPhoneVerified:
    def test_confirmed_code_passes(self) -> None:
        assert check_phone_verified(submission(), "46701234567").result is Outcome.passed

    def test_confirmed_on_another_number_warns(self) -> None:
        result = check_phone_verified(submission(), "46709999999")
        assert result.result is Outcome.warn

    def test_unverified_fails(self) -> None:
        data = submission(phone={"verified": False})
        assert check_phone_verified(data, "46701234567").result is Outcome.fail

    def test_missing_phone_fails(self) -> None:
        data = submission()
        data["phone"] = None
        assert check_phone_verified(data).result is Outcome.fail


class TestCountryRisk:
    lists = CountryRiskLists(prohibited=frozenset({"KP"}), high_risk=frozenset({"NG"}))

    def test_ordinary_countries_pass(self) -> None:
        assert check_country_risk(submission(), self.lists).result is Outcome.passed

    def test_high_risk_residence_warns(self) -> None:
        result = check_country_risk(submission(address={"country_code": "NG"}), self.lists)
        assert result.result is Outcome.warn
        assert result.detail == {"high_risk": {"residence": "NG"}}

    def test_prohibited_document_country_fails_even_with_high_risk_elsewhere(self) -> None:
        data = submission(document={"issuing_country": "KP"}, personal={"nationality": "NG"})
        result = check_country_risk(data, self.lists)
        assert result.result is Outcome.fail
        assert result.detail == {"prohibited": {"document": "KP"}}
        assert "North Korea" in result.reason or "Korea" in result.reason

    def test_shipped_defaults_are_valid_codes(self) -> None:
        lists = load_lists()
        assert "KP" in lists.prohibited and "IR" in lists.prohibited
        assert lists.high_risk and not lists.high_risk & lists.prohibited
        assert all(len(code) == 2 and code.isupper() for code in lists.high_risk)

    def test_lists_can_be_replaced_by_a_file(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / "risk.json"
        path.write_text('{"prohibited": ["se"], "high_risk": []}')
        result = check_country_risk(submission(), load_lists(str(path)))
        assert result.result is Outcome.fail


class TestPep:
    def test_not_pep_passes(self) -> None:
        assert check_pep(submission()).result is Outcome.passed

    def test_declared_pep_warns_with_details(self) -> None:
        data = submission(questions={"pep": True, "pep_details": "Member of parliament"})
        result = check_pep(data)
        assert result.result is Outcome.warn
        assert result.detail == {"pep_details": "Member of parliament"}

    def test_pep_never_fails_on_its_own(self) -> None:
        # The spec makes a PEP declaration a warning (enhanced due diligence), never a failure.
        data = submission(questions={"pep": True, "pep_details": None})
        assert check_pep(data).result is Outcome.warn


class TestRiskLevel:
    def _r(self, *outcomes: Outcome) -> list[CheckResult]:
        return [CheckResult(f"c{i}", o, "") for i, o in enumerate(outcomes)]

    def test_all_pass_is_low(self) -> None:
        assert risk_level(self._r(Outcome.passed, Outcome.passed)) is RiskLevel.low

    def test_a_warning_is_medium(self) -> None:
        assert risk_level(self._r(Outcome.passed, Outcome.warn)) is RiskLevel.medium

    def test_a_failure_is_high(self) -> None:
        assert risk_level(self._r(Outcome.warn, Outcome.fail)) is RiskLevel.high

    def test_json_shape(self) -> None:
        result = CheckResult("age", Outcome.passed, "ok")
        assert result.as_json() == {"check": "age", "result": "pass", "reason": "ok"}
        detailed = CheckResult("age", Outcome.warn, "x", {"age": 101}).as_json()
        assert detailed["detail"] == {"age": 101}
