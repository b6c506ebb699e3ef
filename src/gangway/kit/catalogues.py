"""The gettext catalogues under ``src/gangway/locale``: loading, extraction, update and compilation.

Two domains: ``flow`` (the hosted flow, translated into every language of :data:`FLOW_LANGUAGES`)
and ``backoffice`` (English only; its texts still go through the catalogue so that a translation
is a ``.po`` file away). Message ids are the English texts.

``locale/<domain>.pot`` and ``locale/<lang>/LC_MESSAGES/<domain>.po`` are sources (committed);
the ``.mo`` files are build output (``make install`` runs ``python -m gangway.kit.catalogues
compile``). A missing or stale ``.mo`` is compiled from its ``.po`` in memory at first use, so a
checkout that skipped the build step still shows every text.

The everyday commands (docs/CONVENTIONS.md, "Texts and languages")::

    python -m gangway.kit.catalogues update    # re-extract the .pot files, merge them into the .po
    python -m gangway.kit.catalogues compile   # .po -> .mo
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from babel.messages import mofile, pofile
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.support import NullTranslations, Translations

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE / "locale"
MAPPING = LOCALE_DIR / "babel.cfg"

# The languages of the hosted flow, English (the message ids) first.
FLOW_LANGUAGES = ("en", "sv", "de", "fi", "nb", "da", "fr", "es")
# domain -> (the source directories it is extracted from, its translated languages)
DOMAINS: dict[str, tuple[tuple[Path, ...], tuple[str, ...]]] = {
    "flow": ((PACKAGE / "flow",), FLOW_LANGUAGES[1:]),
    "backoffice": ((PACKAGE / "review",), ()),
}
# N_() marks a text for extraction where it is defined and translated where it is shown (step
# titles, field labels, error messages chosen by key); Nn_() is its plural form.
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "Nn_": (1, 2)}


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated later, where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural message (``%(num)d`` is the count) for extraction; see :func:`N_`."""
    return singular, plural


def po_path(domain: str, lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def pot_path(domain: str) -> Path:
    return LOCALE_DIR / f"{domain}.pot"


@lru_cache(maxsize=32)
def translations(domain: str, lang: str) -> NullTranslations:
    """The compiled catalogue of ``lang`` (English, the message ids, when there is none)."""
    po = po_path(domain, lang)
    if not po.exists():
        return NullTranslations()
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return Translations(compiled, domain=domain)
    return Translations(io.BytesIO(_compile(po, lang)), domain=domain)


def _read_po(po: Path, lang: str) -> Catalog:
    with po.open("rb") as source:
        return pofile.read_po(source, locale=lang)


def _compile(po: Path, lang: str) -> bytes:
    buffer = io.BytesIO()
    mofile.write_mo(buffer, _read_po(po, lang))
    return buffer.getvalue()


def extract(domain: str) -> Catalog:
    """What the sources hold today: the catalogue a fresh extraction would write as the .pot."""
    with MAPPING.open() as mapping_file:
        method_map, options_map = parse_mapping_cfg(mapping_file)
    catalog = Catalog(project="Gangway", domain=domain, fuzzy=False)
    directories, _languages = DOMAINS[domain]
    for directory in directories:
        for filename, lineno, message, comments, context in extract_from_dir(
            directory,
            method_map,
            options_map,
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        ):
            location = (str((directory / filename).relative_to(PACKAGE)), lineno)
            catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def update(domains: Iterable[str] = DOMAINS) -> None:
    """Rewrite each .pot from the sources and merge it into the .po files (new texts empty)."""
    for domain in domains:
        template = extract(domain)
        _write(pot_path(domain), template)
        for lang in DOMAINS[domain][1]:
            po = po_path(domain, lang)
            if po.exists():
                catalog = _read_po(po, lang)
                catalog.update(template, no_fuzzy_matching=True)
                catalog.obsolete.clear()
            else:
                catalog = Catalog(locale=lang, domain=domain, project="Gangway")
                catalog.update(template)
            _write(po, catalog)


def compile_all() -> list[Path]:
    written = []
    for domain, (_directories, languages) in DOMAINS.items():
        for lang in languages:
            po = po_path(domain, lang)
            mo = po.with_suffix(".mo")
            mo.write_bytes(_compile(po, lang))
            written.append(mo)
    return written


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        pofile.write_po(out, catalog, width=100, omit_header=False, sort_output=False)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "update":
        update()
    elif command == "compile":
        written = compile_all()
        print(f"compiled {len(written)} catalogues")
    else:
        print("usage: python -m gangway.kit.catalogues update|compile", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
