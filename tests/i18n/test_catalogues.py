"""The gettext catalogues: complete in every flow language, and in step with the sources."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages import pofile
from babel.messages.catalog import Catalog

from gangway.kit import catalogues

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return pofile.read_po(source, locale=locale)


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def catalogue_problems(template: Catalog, translated: Catalog) -> list[str]:
    """What a translator still owes: every message of the template, every plural form non-empty,
    none fuzzy, the same placeholders as the English text; no message the template lacks."""
    problems = []
    for wanted in template:
        if not wanted.id:
            continue
        key = wanted.id if isinstance(wanted.id, str) else wanted.id[0]
        message = translated.get(wanted.id, context=wanted.context)
        if message is None:
            problems.append(f"missing: {key!r}")
            continue
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        if isinstance(wanted.id, tuple) and len(forms) != translated.num_plurals:
            problems.append(f"plural forms: {key!r}")
        if not all(forms):
            problems.append(f"untranslated: {key!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        elif any(_placeholders(form) != _placeholders(key) for form in forms):
            problems.append(f"placeholders: {key!r}")
    problems += [f"not in the template: {extra!r}" for extra in _ids(translated) - _ids(template)]
    return problems


@pytest.mark.parametrize("lang", catalogues.FLOW_LANGUAGES[1:])
def test_every_flow_language_translates_every_message(lang: str) -> None:
    template = _read(catalogues.pot_path("flow"))
    assert len(_ids(template)) > 150
    translated = _read(catalogues.po_path("flow", lang), locale=lang)
    assert catalogue_problems(template, translated) == []


def test_the_completeness_check_finds_missing_empty_fuzzy_and_broken_messages() -> None:
    template = Catalog()
    for text in ("Continue", "Back", "Cancel", "Hello %(partner)s", "Extra"):
        template.add(text)
    template.add(("%(num)d try left.", "%(num)d tries left."))
    translated = Catalog(locale="sv")
    translated.add("Continue", "Fortsätt")
    translated.add("Back", "")
    translated.add("Cancel", "Avbryt", flags=["fuzzy"])
    translated.add("Hello %(partner)s", "Hej %(partnr)s")
    translated.add(("%(num)d try left.", "%(num)d tries left."), ("%(num)d försök kvar.", ""))
    translated.add("Gone", "Borta")
    assert sorted(catalogue_problems(template, translated)) == sorted(
        [
            "missing: 'Extra'",
            "untranslated: 'Back'",
            "fuzzy: 'Cancel'",
            "placeholders: 'Hello %(partner)s'",
            "untranslated: '%(num)d try left.'",
            "not in the template: 'Gone'",
        ]
    )


@pytest.mark.parametrize("domain", list(catalogues.DOMAINS))
def test_the_pot_file_holds_what_the_sources_hold_today(domain: str) -> None:
    """Fails when a text was added, changed or removed without `python -m gangway.kit.catalogues
    update` (docs/CONVENTIONS.md, "Texts and languages")."""
    extracted = _ids(catalogues.extract(domain))
    committed = _ids(_read(catalogues.pot_path(domain)))
    assert sorted(map(str, extracted - committed)) == [], "new texts not in the .pot"
    assert sorted(map(str, committed - extracted)) == [], "texts no longer in the sources"


def test_extraction_finds_templates_python_markers_and_plurals() -> None:
    ids = _ids(catalogues.extract("flow"))
    assert "Step %(n)s of %(m)s" in ids  # a template's _()
    assert "Fill in this field." in ids  # messages.PROBLEMS, N_()
    assert ("Use at most %(num)d character.", "Use at most %(num)d characters.") in ids  # Nn_()
    assert "Uploaded" in ids  # Translator.gettext() in Python
    backoffice = _ids(catalogues.extract("backoffice"))
    assert "Review queue" in backoffice and "Review queue" not in ids


def test_a_missing_or_stale_mo_is_compiled_from_the_po(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    po = tmp_path / "sv" / "LC_MESSAGES" / "flow.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(catalogues.po_path("flow", "sv").read_bytes())
    monkeypatch.setattr(catalogues, "LOCALE_DIR", tmp_path)
    catalogues.translations.cache_clear()
    try:
        assert catalogues.translations("flow", "sv").gettext("Continue") == "Fortsätt"
        catalogues.translations.cache_clear()
        mo = po.with_suffix(".mo")
        mo.write_bytes(b"not a catalogue")  # older than the .po: ignored
        po.touch()
        stale = mo.stat().st_mtime - 10
        os.utime(mo, (stale, stale))
        assert catalogues.translations("flow", "sv").gettext("Continue") == "Fortsätt"
        assert catalogues.translations("flow", "xx").gettext("Continue") == "Continue"
    finally:
        catalogues.translations.cache_clear()
