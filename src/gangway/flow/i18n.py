"""The flow's language: negotiation (``?lang=``, then ``Accept-Language``), the request's
:class:`Translator` over the ``flow`` gettext catalogue, localised dates and country names.

The texts themselves are in ``src/gangway/locale`` (see ``gangway.kit.catalogues``).
"""

from __future__ import annotations

import gettext
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import pycountry
from babel.dates import format_date, format_time

from gangway.flow.messages import CHOICES, LABELS, PROBLEMS
from gangway.kit import catalogues

LANGUAGES = catalogues.FLOW_LANGUAGES
DEFAULT = "en"
DOMAIN = "flow"
# Each language's name in itself, for the language menu.
NAMES = {
    "en": "English",
    "sv": "Svenska",
    "de": "Deutsch",
    "fi": "Suomi",
    "nb": "Norsk bokmål",
    "da": "Dansk",
    "fr": "Français",
    "es": "Español",
}
# Language tags that mean one of ours: Norwegian without a written standard, or Nynorsk, reads
# Bokmål far better than English.
ALIASES = {"no": "nb", "nn": "nb"}
# pycountry's catalogues of country names are named by these locales.
_PYCOUNTRY_LOCALES = {"nb": "nb_NO"}


def pick(accept_language: str | None, requested: str | None) -> str:
    """``?lang=`` wins, then the best ``Accept-Language`` match, then English."""
    if requested in LANGUAGES:
        return requested
    weighted: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        weighted.append((quality, ALIASES.get(primary, primary)))
    for quality, tag in sorted(weighted, key=lambda w: -w[0]):
        if tag in LANGUAGES and quality > 0:
            return tag
    return DEFAULT


class Translator:
    """The flow's texts in one language, for Python code (templates call ``_``/``ngettext``)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self.translations = catalogues.translations(DOMAIN, self.lang)

    def gettext(self, message: str, **values: Any) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, num: int, **values: Any) -> str:
        return self.translations.ngettext(singular, plural, num) % {"num": num, **values}

    def problem(self, key: str, **values: Any) -> str:
        """The message of a problem key (``messages.PROBLEMS``); unknown keys show as they are."""
        message = PROBLEMS.get(key)
        if message is None:
            return key
        if isinstance(message, tuple):
            return self.ngettext(*message, num=int(values.pop("num", 0)), **values)
        return self.gettext(message, **values)

    def label(self, name: str) -> str:
        """The label of a form field (``messages.LABELS``)."""
        return self.gettext(LABELS[name]) if name in LABELS else name

    def choice(self, field: str, value: str) -> str:
        message = CHOICES.get(field, {}).get(value)
        return self.gettext(message) if message else value

    def choices(self, field: str) -> list[tuple[str, str]]:
        return [(value, self.gettext(message)) for value, message in CHOICES[field].items()]

    def date(self, value: str | date | None) -> str:
        """A date as the language writes it ("6 December 1991"); an unparseable value as it is."""
        if not value:
            return ""
        try:
            day = value if isinstance(value, date) else date.fromisoformat(value)
        except ValueError:
            return str(value)
        return format_date(day, format="long", locale=self.lang)

    def moment(self, value: datetime) -> str:
        """A moment in UTC as the language writes it ("Dec 2, 2026 2:05 PM", "2 dec. 2026 14:05")."""
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        day = format_date(moment, format="medium", locale=self.lang)
        return f"{day} {format_time(moment, format='short', tzinfo=UTC, locale=self.lang)}"

    def yes_no(self, value: object) -> str:
        return self.gettext("Yes") if value else self.gettext("No")


@lru_cache(maxsize=len(LANGUAGES))
def translator(lang: str) -> Translator:
    return Translator(lang)


@lru_cache(maxsize=len(LANGUAGES))
def countries(lang: str) -> list[tuple[str, str]]:
    """``(alpha-2, name)`` sorted by the name in ``lang``."""
    translate = _country_translation(lang)
    rows = [
        (c.alpha_2, translate(getattr(c, "common_name", None) or c.name))
        for c in pycountry.countries
    ]
    return sorted(rows, key=lambda r: r[1].casefold())


def country_label(code: str, lang: str) -> str:
    return dict(countries(lang)).get(code, code)


def _country_translation(lang: str) -> Any:
    if lang == "en":
        return str
    try:
        catalog = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[_PYCOUNTRY_LOCALES.get(lang, lang)]
        )
    except OSError:
        return str
    return catalog.gettext
