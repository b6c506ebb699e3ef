"""MRZ text: check digits, correction of OCR confusions, parsing and comparison with claims."""

from __future__ import annotations

from datetime import date

from gangway.verification.engine.claims import Claims, DocumentType
from gangway.verification.engine.claims_match import (
    compare_with_claims,
    country_alpha2,
    mrz_name_forms,
)
from gangway.verification.engine.mrz_decode import parse_corrected
from gangway.verification.engine.mrz_format import check_digit

# ICAO 9303 part 4's specimen passport.
SPECIMEN = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]


def test_check_digits_of_the_icao_specimen() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("ZE184226B<<<<<") == "1"


def test_specimen_parses_with_every_check_digit_valid() -> None:
    data = parse_corrected(SPECIMEN, today=date(2010, 1, 1))
    assert data is not None and data.valid
    assert (data.layout, data.surname, data.given_names) == ("TD3", "ERIKSSON", "ANNA MARIA")
    assert data.document_number == "L898902C3"
    assert data.birth_date == date(1974, 8, 12) and data.expiry_date == date(2012, 4, 15)


def test_letter_digit_confusions_are_corrected_by_position_and_check_digit() -> None:
    # O for 0 in dates, 5 for S and 8 for B where letters belong, a lost filler at the end.
    garbled = [
        "P<UT0ERIKSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<",
        "L8989O2C36UTO74O8122F12O4159ZE184226B<<<<<1O",
    ]
    data = parse_corrected(garbled, today=date(2010, 1, 1))
    assert data is not None and data.valid
    assert data.lines == tuple(SPECIMEN)
    assert data.corrections >= 5


def test_a_wrong_check_digit_stays_invalid() -> None:
    broken = [SPECIMEN[0], SPECIMEN[1][:9] + "7" + SPECIMEN[1][10:]]
    data = parse_corrected(broken, today=date(2010, 1, 1))
    assert data is not None and not data.valid
    assert data.checks["document_number"] is False


def test_names_match_in_icao_or_stripped_transliteration() -> None:
    assert mrz_name_forms("Müller") == {"MUELLER", "MULLER"}
    assert "AAGREN" in mrz_name_forms("Ågren")
    assert "STRASSMANN" in mrz_name_forms("Straßmann")
    assert mrz_name_forms("O'Brien") == {"OBRIEN"}
    assert mrz_name_forms("Smith-Jones") == {"SMITH JONES"}


def test_countries_compare_across_alpha2_alpha3_and_icao_codes() -> None:
    assert country_alpha2("D") == "DE" == country_alpha2("DEU") == country_alpha2("de")
    assert country_alpha2("GBD") == "GB"
    assert country_alpha2("UTO") is None


def test_compare_with_claims_names_each_differing_field() -> None:
    data = parse_corrected(SPECIMEN, today=date(2010, 1, 1))
    assert data is not None
    claims = Claims(
        document_number="L898902C3",
        first_names="Anna María",
        last_name="Eriksson",
        date_of_birth=date(1974, 8, 12),
        expiry_date=date(2012, 4, 15),
        document_type=DocumentType.passport,
    )
    assert compare_with_claims(data, claims) == []
    wrong = Claims(
        document_number="L898902C4",
        date_of_birth=date(1974, 8, 13),
        document_type=DocumentType.id_card,
    )
    assert [m.field for m in compare_with_claims(data, wrong)] == [
        "document_number",
        "date_of_birth",
        "document_type",
    ]
