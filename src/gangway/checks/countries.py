"""Country risk: nationality, residence and document country against configurable lists."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from gangway.checks.results import CheckResult, Outcome
from gangway.checks.rules import section
from gangway.kit.validators import country_name


@dataclass(frozen=True)
class CountryRiskLists:
    prohibited: frozenset[str]
    high_risk: frozenset[str]

    @classmethod
    def from_json(cls, text: str) -> CountryRiskLists:
        raw = json.loads(text)
        prohibited = frozenset(str(c).upper() for c in raw.get("prohibited", []))
        high_risk = frozenset(str(c).upper() for c in raw.get("high_risk", [])) - prohibited
        return cls(prohibited, high_risk)


@lru_cache(maxsize=8)
def load_lists(path: str | None = None) -> CountryRiskLists:
    """The lists from ``path``, or the defaults shipped in ``checks/data/country_risk.json``."""
    if path:
        return CountryRiskLists.from_json(Path(path).read_text(encoding="utf-8"))
    shipped = resources.files("gangway.checks").joinpath("data/country_risk.json")
    return CountryRiskLists.from_json(shipped.read_text(encoding="utf-8"))


def countries_of(data: dict[str, Any]) -> dict[str, str]:
    """The jurisdictions an applicant is connected to, by role."""
    found = {
        "nationality": section(data, "personal").get("nationality"),
        "residence": section(data, "address").get("country_code"),
        "document": section(data, "document").get("issuing_country"),
        "tax_residence": section(data, "questions").get("tax_residence_country"),
    }
    return {role: str(code).upper() for role, code in found.items() if code}


def check_country_risk(data: dict[str, Any], lists: CountryRiskLists) -> CheckResult:
    countries = countries_of(data)
    prohibited = {role: c for role, c in countries.items() if c in lists.prohibited}
    high = {role: c for role, c in countries.items() if c in lists.high_risk}
    if prohibited:
        return CheckResult(
            "country_risk",
            Outcome.fail,
            "Prohibited jurisdiction: " + _describe(prohibited) + ".",
            {"prohibited": prohibited},
        )
    if high:
        return CheckResult(
            "country_risk",
            Outcome.warn,
            "High-risk jurisdiction: " + _describe(high) + ".",
            {"high_risk": high},
        )
    return CheckResult(
        "country_risk", Outcome.passed, "No high-risk or prohibited jurisdiction.", {}
    )


def _describe(matches: dict[str, str]) -> str:
    return ", ".join(
        f"{role.replace('_', ' ')} {country_name(c)} ({c})" for role, c in matches.items()
    )
