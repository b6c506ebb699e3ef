"""The flow in each of its languages: negotiation, the language menu, plurals and dates."""

from __future__ import annotations

import re

import pytest

from gangway.flow import i18n
from tests.onboarding.conftest import PERSONAL, FlowClient, fill_until

# "Step 1 of 9" and "Continue" as each catalogue has them (read from the catalogues, so a
# language that fell back to English fails: its texts would equal the English ones).
STEP_ONE = {
    lang: i18n.translator(lang).gettext("Step %(n)s of %(m)s", n=1, m=9) for lang in i18n.LANGUAGES
}


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("de-CH,de;q=0.9,en;q=0.5", "de"),
        ("fi", "fi"),
        ("nb-NO", "nb"),
        ("no", "nb"),  # Norwegian without a written standard reads Bokmål
        ("nn-NO,en;q=0.3", "nb"),
        ("da-DK", "da"),
        ("fr-CA,fr;q=0.8", "fr"),
        ("es-419", "es"),
        ("pt-BR,es;q=0.4,en;q=0.3", "es"),
        ("it", "en"),
        ("sv;q=0,en;q=0.1", "en"),  # q=0 means "not acceptable"
        ("", "en"),
        ("de;q=nonsense, fr", "fr"),
    ],
)
def test_accept_language_picks_the_best_supported_language(
    accept_language: str, expected: str
) -> None:
    assert i18n.pick(accept_language, None) == expected


def test_lang_parameter_wins_over_accept_language() -> None:
    assert i18n.pick("sv", "fi") == "fi"
    assert i18n.pick("sv", "xx") == "sv"


def test_every_language_has_its_own_texts() -> None:
    assert len(set(STEP_ONE.values())) == len(i18n.LANGUAGES)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
async def test_each_language_renders_the_flow_and_the_language_menu(
    started: FlowClient, lang: str
) -> None:
    page = await started.get("/flow/onboarding/welcome", lang=lang)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert STEP_ONE[lang] in page.text
    menu = re.findall(
        r'<a href="\?lang=(\w+)" lang="\w+" hreflang="\w+"([^>]*)>([^<]+)</a>', page.text
    )
    assert [code for code, _attrs, _name in menu] == list(i18n.LANGUAGES)
    assert [code for code, attrs, _name in menu if "aria-current" in attrs] == [lang]
    assert [name for _code, _attrs, name in menu] == [i18n.NAMES[code] for code in i18n.LANGUAGES]


async def test_accept_language_of_norwegian_shows_bokmal(started: FlowClient) -> None:
    page = await started.http.get("/flow/onboarding/welcome", headers={"Accept-Language": "no"})
    assert '<html lang="nb">' in page.text and "Trinn 1 av 9" in page.text


async def test_field_errors_use_the_language_and_its_plural_forms(started: FlowClient) -> None:
    await started.get("/flow/onboarding/welcome", lang="fr")
    await started.step("welcome", {"accept_terms": "yes"})
    response = await started.step(
        "personal", {**PERSONAL, "first_name": "x" * 101, "last_name": ""}
    )
    assert response.status_code == 400
    assert "Veuillez remplir ce champ." in response.text
    assert "Utilisez au maximum 100 caractères." in response.text
    assert i18n.translator("fr").problem("too_long", num=1) == "Utilisez au maximum 1 caractère."
    assert i18n.translator("en").problem("code_wait", num=1) == (
        "Wait 1 second before sending a new code."
    )
    assert i18n.translator("de").problem("passcode_wrong", num=2) == (
        "Der Sicherheitscode ist nicht korrekt. Noch 2 Versuche."
    )


async def test_the_review_page_shows_dates_as_the_language_writes_them(
    started: FlowClient,
) -> None:
    await fill_until(started)
    english = await started.get("/flow/onboarding/review", lang="en")
    assert "December 6, 1991" in english.text and "1991-12-06" not in english.text
    swedish = await started.get("/flow/onboarding/review", lang="sv")
    assert "6 december 1991" in swedish.text
    german = await started.get("/flow/onboarding/review", lang="de")
    assert "6. Dezember 1991" in german.text


async def test_date_fields_carry_no_format_example_over_the_native_control(
    started: FlowClient,
) -> None:
    await started.step("welcome", {"accept_terms": "yes"})
    personal = await started.get("/flow/onboarding/personal")
    assert 'type="date"' in personal.text
    assert "For example" not in personal.text and "YYYY" not in personal.text


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        (
            "en",
            "Are you, or is a family member or close associate of yours, a politically exposed "
            "person (PEP)?",
        ),
        (
            "sv",
            "Är du, någon i din familj eller någon känd medarbetare till dig en person i politiskt "
            "utsatt ställning (PEP)?",
        ),
    ],
)
async def test_the_pep_question_reads_as_one_question(
    started: FlowClient, lang: str, question: str
) -> None:
    await fill_until(started, last="selfie")
    page = await started.get("/flow/onboarding/questions", lang=lang)
    assert f"<legend>{question}</legend>" in page.text
    assert 'aria-describedby="h-pep"' in page.text  # the explanation of a PEP
