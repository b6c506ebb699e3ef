"""English and Swedish texts of the hosted flow, chosen by ``?lang=`` or ``Accept-Language``."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache

import pycountry

LANGUAGES = ("en", "sv")
DEFAULT = "en"

# key: (English, Swedish)
TEXTS: dict[str, tuple[str, str]] = {
    "app_title": ("Identity verification", "Identitetskontroll"),
    "step_of": ("Step {n} of {m}", "Steg {n} av {m}"),
    "continue": ("Continue", "Fortsätt"),
    "go_back": ("Back", "Tillbaka"),
    "cancel": ("Cancel", "Avbryt"),
    "edit": ("Edit", "Ändra"),
    "submit": ("Submit", "Skicka in"),
    "optional": ("optional", "valfritt"),
    "language": ("Svenska", "English"),
    "errors_title": ("Please correct the highlighted fields.", "Rätta de markerade fälten."),
    "yes": ("Yes", "Ja"),
    "no": ("No", "Nej"),
    "choose": ("Choose…", "Välj…"),
    # steps
    "welcome_title": ("Welcome", "Välkommen"),
    "welcome_intro": (
        "{partner} uses Gangway to verify your identity. It takes about five minutes. Have your "
        "passport, national ID card or driving licence and your phone ready.",
        "{partner} använder Gangway för att kontrollera din identitet. Det tar ungefär fem minuter. "
        "Ha ditt pass, nationella id-kort eller körkort och din telefon till hands.",
    ),
    "accept_terms": (
        "I accept the terms and the privacy notice",
        "Jag godkänner villkoren och integritetspolicyn",
    ),
    "personal_title": ("Personal details", "Personuppgifter"),
    "first_name": ("First name", "Förnamn"),
    "last_name": ("Last name", "Efternamn"),
    "date_of_birth": ("Date of birth", "Födelsedatum"),
    "date_hint": ("For example 1991-12-06", "Till exempel 1991-12-06"),
    "nationality": ("Nationality", "Medborgarskap"),
    "address_title": ("Address", "Adress"),
    "country_code": ("Country", "Land"),
    "street1": ("Street address", "Gatuadress"),
    "street2": ("Apartment, suite, etc.", "Lägenhet, c/o, etc."),
    "city": ("City", "Ort"),
    "region": ("Region", "Län eller region"),
    "postal_code": ("Postal code", "Postnummer"),
    "phone_title": ("Phone number", "Telefonnummer"),
    "phone_number": ("Phone number", "Telefonnummer"),
    "phone_hint": (
        "With the country code, for example +46 70 123 45 67",
        "Med landsnummer, till exempel +46 70 123 45 67",
    ),
    "send_code": ("Send code", "Skicka kod"),
    "send_new_code": ("Send a new code", "Skicka en ny kod"),
    "code": ("Verification code", "Verifieringskod"),
    "code_hint": ("The 6 digits we sent to {phone}", "De 6 siffror vi skickade till {phone}"),
    "code_sent": ("We sent a code to {phone}.", "Vi har skickat en kod till {phone}."),
    "sandbox_code": (
        "Sandbox: no message is sent; use the code 000000.",
        "Sandlåda: inget meddelande skickas; använd koden 000000.",
    ),
    "sms_text": ("Your verification code is {code}", "Din verifieringskod är {code}"),
    "document_title": ("Identity document", "Id-handling"),
    "document_type": ("Document type", "Typ av id-handling"),
    "passport": ("Passport", "Pass"),
    "national_id": ("National ID card", "Nationellt id-kort"),
    "driving_licence": ("Driving licence", "Körkort"),
    "document_number": ("Document number", "Dokumentnummer"),
    "issuing_country": ("Issuing country", "Utfärdande land"),
    "expiry_date": ("Expiry date", "Giltig till"),
    "front": ("Front of document", "Id-handlingens framsida"),
    "back": ("Back of document", "Id-handlingens baksida"),
    "back_hint": ("Not needed for passports.", "Behövs inte för pass."),
    "file_hint": (
        "A photo (JPEG or PNG), at most 10 MB.",
        "Ett foto (JPEG eller PNG), högst 10 MB.",
    ),
    "file_kept": (
        "A file is saved. Choose a new one only to replace it.",
        "En fil är sparad. Välj en ny bara om du vill byta den.",
    ),
    "selfie_title": ("Selfie", "Selfie"),
    "selfie": ("Selfie", "Selfie"),
    "selfie_hint": (
        "Take a photo of your face in good light, without sunglasses or a hat.",
        "Ta ett foto av ditt ansikte i bra ljus, utan solglasögon eller hatt.",
    ),
    "questions_title": ("A few questions", "Några frågor"),
    "employment_status": ("Employment status", "Sysselsättning"),
    "occupation": ("Occupation", "Yrke"),
    "source_of_funds": ("Source of funds", "Pengarnas ursprung"),
    "expected_monthly_amount": (
        "Expected monthly incoming amount",
        "Förväntat belopp in per månad",
    ),
    "purpose": ("Purpose of the account", "Syftet med kontot"),
    "tax_residence_country": ("Tax residence country", "Skatterättslig hemvist"),
    "tax_id": ("Tax identification number", "Skatteregistreringsnummer"),
    "us_person": (
        "Are you a US person for tax purposes?",
        "Är du skattskyldig i USA?",
    ),
    "pep": (
        "Are you, a family member or a close associate a politically exposed person?",
        "Är du, en familjemedlem eller en nära medarbetare en person i politiskt utsatt ställning?",
    ),
    "pep_details": ("Tell us more (role, country, relation)", "Berätta mer (roll, land, relation)"),
    "security_title": ("Security", "Säkerhet"),
    "passcode": ("Passcode", "Säkerhetskod"),
    "passcode_hint": (
        "6 digits, not all the same and not a sequence like 123456.",
        "6 siffror, inte alla lika och inte en följd som 123456.",
    ),
    "passcode_confirm": ("Confirm passcode", "Bekräfta säkerhetskoden"),
    "passcode_saved": ("Your passcode is saved.", "Din säkerhetskod är sparad."),
    "passcode_change": ("Change passcode", "Byt säkerhetskod"),
    "passcode_current": ("Current passcode", "Nuvarande säkerhetskod"),
    "passcode_current_wrong": (
        "This is not your current passcode.",
        "Det här är inte din nuvarande säkerhetskod.",
    ),
    "passkey_title": ("Add a passkey", "Lägg till en nyckel (passkey)"),
    "passkey_intro": (
        "Sign in later with your fingerprint, face or screen lock instead of the passcode.",
        "Logga in senare med fingeravtryck, ansikte eller skärmlås i stället för säkerhetskoden.",
    ),
    "passkey_add": ("Add a passkey", "Lägg till en nyckel"),
    "passkey_skip": ("Skip for now", "Hoppa över"),
    "passkey_added": ("A passkey was added.", "En nyckel har lagts till."),
    "passkey_failed": (
        "The passkey could not be added. Try again or skip.",
        "Nyckeln kunde inte läggas till. Försök igen eller hoppa över.",
    ),
    "passkey_nojs": (
        "Adding a passkey needs JavaScript; you can skip this.",
        "För att lägga till en nyckel behövs JavaScript; du kan hoppa över detta.",
    ),
    "review_title": ("Check your details", "Kontrollera dina uppgifter"),
    "review_intro": (
        "Make sure everything is correct before you submit.",
        "Se till att allt stämmer innan du skickar in.",
    ),
    "documents_uploaded": ("Documents", "Dokument"),
    "uploaded": ("Uploaded", "Uppladdad"),
    "passkey": ("Passkey", "Nyckel"),
    "done_title": ("Thank you", "Tack"),
    "done_text": (
        "Your details were submitted. {partner} will let you know when your account is ready.",
        "Dina uppgifter har skickats in. {partner} meddelar dig när ditt konto är klart.",
    ),
    "close_window": ("You can close this window.", "Du kan stänga det här fönstret."),
    "cancel_title": ("Cancel verification?", "Avbryta kontrollen?"),
    "cancel_text": (
        "What you entered is saved; you can continue later with a new link from {partner}.",
        "Det du har fyllt i sparas; du kan fortsätta senare med en ny länk från {partner}.",
    ),
    "cancel_confirm": ("Yes, cancel", "Ja, avbryt"),
    "cancel_keep": ("No, continue", "Nej, fortsätt"),
    "canceled_title": ("Verification canceled", "Kontrollen avbröts"),
    "error_title": ("Something went wrong", "Något gick fel"),
    "error_expired": ("This link has expired", "Länken har gått ut"),
    "error_expired_text": (
        "Ask {partner} for a new link to continue. What you entered is kept.",
        "Be om en ny länk för att fortsätta. Det du har fyllt i finns kvar.",
    ),
    "error_submitted": ("This onboarding was already submitted", "Uppgifterna är redan inskickade"),
    "error_opened": (
        "This link was already opened on another device",
        "Länken har redan öppnats på en annan enhet",
    ),
    "error_opened_text": (
        "For your security a link works in one browser only. Ask {partner} for a new one; what "
        "you entered is kept.",
        "Av säkerhetsskäl fungerar en länk bara i en webbläsare. Be {partner} om en ny länk; det du "
        "har fyllt i finns kvar.",
    ),
    "error_forbidden": (
        "The form expired or did not come from this page. Go back, reload and try again.",
        "Formuläret har gått ut eller kom inte från den här sidan. Gå tillbaka, ladda om och försök igen.",
    ),
    "error_not_found": ("This page does not exist.", "Sidan finns inte."),
    "error_too_large": (
        "The file is too large (at most 10 MB).",
        "Filen är för stor (högst 10 MB).",
    ),
    "error_rate_limited": (
        "Too many attempts in a short time. Wait a minute, then try again.",
        "För många försök på kort tid. Vänta en minut och försök sedan igen.",
    ),
    "error_key": (
        "The app is not set up correctly (invalid public key).",
        "Appen är inte korrekt inställd (ogiltig publik nyckel).",
    ),
    "error_generic": (
        "Please try again in a moment. Reference: {ref}",
        "Försök igen om en stund. Referens: {ref}",
    ),
    # field errors
    "required": ("Fill in this field.", "Fyll i det här fältet."),
    "required_choice": ("Choose one of the options.", "Välj ett av alternativen."),
    "terms_required": ("Accept the terms to continue.", "Godkänn villkoren för att fortsätta."),
    "too_long": ("Use at most {max} characters.", "Använd högst {max} tecken."),
    "bad_chars": ("Remove the special characters.", "Ta bort specialtecknen."),
    "date_format": ("Enter the date as YYYY-MM-DD.", "Ange datumet som ÅÅÅÅ-MM-DD."),
    "date_past": ("The date must be in the past.", "Datumet måste ha passerat."),
    "date_1900": ("The date cannot be before 1900.", "Datumet kan inte vara före 1900."),
    "age_18": ("You must be 18 or older.", "Du måste vara minst 18 år."),
    "date_future": ("The document has expired.", "Id-handlingen har gått ut."),
    "country": ("Choose a country from the list.", "Välj ett land i listan."),
    "phone_invalid": (
        "Enter a valid number with the country code, e.g. +46701234567.",
        "Ange ett giltigt nummer med landsnummer, t.ex. +46701234567.",
    ),
    "code_format": ("Enter the 6 digits of the code.", "Ange kodens 6 siffror."),
    "code_wrong": ("The code is not correct. Try again.", "Koden stämmer inte. Försök igen."),
    "code_expired": (
        "The code has expired. Send a new code.",
        "Koden har gått ut. Skicka en ny kod.",
    ),
    "code_locked": (
        "Too many wrong tries. Send a new code.",
        "För många felaktiga försök. Skicka en ny kod.",
    ),
    "code_not_sent": (
        "Send a code to this number first.",
        "Skicka först en kod till det här numret.",
    ),
    "code_wait": (
        "Wait {wait} seconds before sending a new code.",
        "Vänta {wait} sekunder innan du skickar en ny kod.",
    ),
    "code_too_many": (
        "Too many codes sent. Try again in an hour.",
        "För många koder har skickats. Försök igen om en timme.",
    ),
    "sms_failed": (
        "We could not send the message. Try again in a moment.",
        "Vi kunde inte skicka meddelandet. Försök igen om en stund.",
    ),
    "doc_number": (
        "Use letters, digits, spaces or dashes (at most 40).",
        "Använd bokstäver, siffror, mellanslag eller bindestreck (högst 40).",
    ),
    "file_required": ("Choose a file.", "Välj en fil."),
    "file_empty": ("The file is empty.", "Filen är tom."),
    "file_too_large": ("The file is larger than 10 MB.", "Filen är större än 10 MB."),
    "file_type": ("Upload a JPEG or PNG image.", "Ladda upp en JPEG- eller PNG-bild."),
    "file_type_pdf": ("Upload a PDF, JPEG or PNG file.", "Ladda upp en PDF-, JPEG- eller PNG-fil."),
    "file_unreadable": ("The file could not be read.", "Filen kunde inte läsas."),
    "file_dimensions": ("The image size is not supported.", "Bildens storlek stöds inte."),
    "photo_too_small": (
        "The photo is too small to read: take it again closer, in good light.",
        "Bilden är för liten för att läsas: ta den igen närmare, i bra ljus.",
    ),
    "photo_blurred": (
        "The photo is blurred: hold the phone still and take it again.",
        "Bilden är suddig: håll telefonen stilla och ta den igen.",
    ),
    "photo_too_dark": (
        "The photo is too dark: take it again in better light.",
        "Bilden är för mörk: ta den igen i bättre ljus.",
    ),
    "photo_glare": (
        "The photo has glare: tilt the document away from the light and take it again.",
        "Bilden har reflexer: vinkla dokumentet bort från ljuset och ta den igen.",
    ),
    "photo_document_not_visible": (
        "The whole document must be visible: take the photo again with all four corners in it.",
        "Hela dokumentet måste synas: ta bilden igen med alla fyra hörnen med.",
    ),
    "tax_id_invalid": (
        "Use letters, digits, spaces, dots or dashes (at most 30).",
        "Använd bokstäver, siffror, mellanslag, punkter eller bindestreck (högst 30).",
    ),
    "pep_details_required": ("Tell us about the role.", "Berätta om rollen."),
    "passcode_format": ("Enter exactly 6 digits.", "Ange exakt 6 siffror."),
    "passcode_repeated": (
        "Do not use the same digit six times.",
        "Använd inte samma siffra sex gånger.",
    ),
    "passcode_sequence": ("Do not use a sequence like 123456.", "Använd inte en följd som 123456."),
    "passcode_mismatch": ("The passcodes do not match.", "Säkerhetskoderna är inte lika."),
}

CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "employment_status": {
        "employed": ("Employed", "Anställd"),
        "self_employed": ("Self-employed", "Egenföretagare"),
        "student": ("Student", "Studerande"),
        "retired": ("Retired", "Pensionär"),
        "unemployed": ("Not working", "Arbetar inte"),
        "other": ("Other", "Annat"),
    },
    "occupation": {
        "management": ("Manager or executive", "Chef eller ledning"),
        "professional": (
            "Professional (e.g. engineer, doctor, lawyer)",
            "Specialist (t.ex. ingenjör, läkare, jurist)",
        ),
        "office": ("Office or administration", "Kontor eller administration"),
        "sales_service": ("Sales or service", "Försäljning eller service"),
        "trades": ("Trades, construction or manufacturing", "Hantverk, bygg eller tillverkning"),
        "healthcare_education": ("Healthcare or education", "Vård eller utbildning"),
        "public_sector": ("Public sector or military", "Offentlig sektor eller försvar"),
        "student": ("Student", "Studerande"),
        "none": ("No occupation", "Inget yrke"),
        "other": ("Other", "Annat"),
    },
    "source_of_funds": {
        "salary": ("Salary or pension", "Lön eller pension"),
        "business": ("Business income", "Inkomst från företag"),
        "savings": ("Savings", "Sparande"),
        "investments": ("Investments", "Investeringar"),
        "inheritance": ("Inheritance or gift", "Arv eller gåva"),
        "benefits": ("Benefits or student aid", "Bidrag eller studiemedel"),
        "other": ("Other", "Annat"),
    },
    "expected_monthly_amount": {
        "under_1000": ("Less than 1,000 EUR", "Mindre än 1 000 EUR"),
        "1000_5000": ("1,000 to 5,000 EUR", "1 000 till 5 000 EUR"),
        "5000_20000": ("5,000 to 20,000 EUR", "5 000 till 20 000 EUR"),
        "over_20000": ("More than 20,000 EUR", "Mer än 20 000 EUR"),
    },
    "purpose": {
        "everyday": ("Everyday spending", "Vardagsutgifter"),
        "salary": ("Receiving salary", "Ta emot lön"),
        "savings": ("Saving", "Sparande"),
        "travel": ("Travel", "Resor"),
        "online_shopping": ("Online shopping", "Handel på nätet"),
        "other": ("Other", "Annat"),
    },
    "document_type": {
        "passport": ("Passport", "Pass"),
        "national_id": ("National ID card", "Nationellt id-kort"),
        "driving_licence": ("Driving licence", "Körkort"),
    },
}


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
        weighted.append((quality, tag.strip().lower().split("-")[0]))
    for _quality, tag in sorted(weighted, key=lambda w: -w[0]):
        if tag in LANGUAGES:
            return tag
    return DEFAULT


Translator = Callable[..., str]


def translator(lang: str) -> Translator:
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def t(key: str, **values: object) -> str:
        pair = TEXTS.get(key)
        text = pair[index] if pair else key
        return text.format(**values) if values else text

    return t


def choice_label(field: str, value: str, lang: str) -> str:
    pair = CHOICES.get(field, {}).get(value)
    if pair is None:
        return value
    return pair[LANGUAGES.index(lang) if lang in LANGUAGES else 0]


def choices(field: str, lang: str) -> list[tuple[str, str]]:
    return [(value, choice_label(field, value, lang)) for value in CHOICES[field]]


@lru_cache(maxsize=4)
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


def _country_translation(lang: str) -> Callable[[str], str]:
    if lang == "en":
        return str
    try:
        catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return str
    return catalog.gettext


def _merge_consent_texts() -> None:
    from gangway.flow.i18n_consent import CONSENT_CHOICES, CONSENT_TEXTS

    for key, pair in CONSENT_TEXTS.items():
        TEXTS.setdefault(key, pair)
    CHOICES.update(CONSENT_CHOICES)


_merge_consent_texts()
