"""English and Swedish texts of the consent flows (identity verification, proof of address);
merged into :data:`gangway.flow.i18n.TEXTS` and ``CHOICES``."""

from __future__ import annotations

CONSENT_TEXTS: dict[str, tuple[str, str]] = {
    "confirm_title": ("Confirm it's you", "Bekräfta att det är du"),
    "confirm_intro": (
        "{partner} asks you to complete a verification. First confirm it's you with the passcode "
        "you chose when you signed up.",
        "{partner} ber dig göra en kontroll. Bekräfta först att det är du med den kod du valde "
        "när du registrerade dig.",
    ),
    "confirm_passkey_intro": (
        "Use your passkey, or enter your passcode instead.",
        "Använd din nyckel (passkey) eller ange din kod i stället.",
    ),
    "confirm_passkey": ("Use my passkey", "Använd min nyckel"),
    "confirm_passkey_failed": (
        "The passkey could not be used. Enter your passcode instead.",
        "Nyckeln kunde inte användas. Ange din kod i stället.",
    ),
    "confirm_done": ("You have confirmed it's you.", "Du har bekräftat att det är du."),
    "confirm_passcode": ("Passcode", "Kod"),
    "confirm_passcode_hint": ("The 6 digits you chose", "De 6 siffror du valde"),
    "passcode": ("Passcode", "Kod"),
    "passcode_wrong": (
        "The passcode is not correct. {left} tries left.",
        "Koden stämmer inte. {left} försök kvar.",
    ),
    "consent_locked": (
        "Too many wrong passcodes. Try again after {until} (UTC).",
        "För många felaktiga koder. Försök igen efter {until} (UTC).",
    ),
    "consent_locked_title": ("Verification locked", "Kontrollen är låst"),
    "proof_title": ("Proof of address", "Adressbevis"),
    "proof_intro": (
        "Upload a document from the last 3 months that shows your name and this address.",
        "Ladda upp en handling från de senaste 3 månaderna som visar ditt namn och den här adressen.",
    ),
    "proof_type": ("Document type", "Typ av handling"),
    "issue_date": ("Issue date", "Utfärdandedatum"),
    "proof_file": ("File", "Fil"),
    "file": ("File", "Fil"),
    "proof_file_hint": (
        "PDF, JPEG or PNG, at most 10 MB.",
        "PDF, JPEG eller PNG, högst 10 MB.",
    ),
    "issue_date_future": (
        "The issue date cannot be in the future.",
        "Utfärdandedatumet kan inte vara i framtiden.",
    ),
    "issue_date_old": (
        "The document must be from the last 3 months.",
        "Handlingen måste vara från de senaste 3 månaderna.",
    ),
    "address_confirm_title": ("Confirm your address", "Bekräfta din adress"),
    "address_confirm_intro": (
        "Is this still your address? Change it if it is not.",
        "Är det här fortfarande din adress? Ändra den om den inte stämmer.",
    ),
    "consent_done_text": (
        "Thank you. {partner} will let you know when the verification has been reviewed.",
        "Tack. {partner} meddelar dig när kontrollen har granskats.",
    ),
    "consent_review_intro": (
        "Check what you are sending, then submit it.",
        "Kontrollera det du skickar och skicka sedan in det.",
    ),
    "identity_title": ("Identity document", "Id-handling"),
}

CONSENT_CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "proof_type": {
        "utility_bill": ("Utility bill", "Räkning (el, vatten, internet)"),
        "bank_statement": ("Bank statement", "Kontoutdrag"),
        "tax_letter": ("Tax letter", "Skattebesked"),
        "other": ("Other", "Annat"),
    },
}
