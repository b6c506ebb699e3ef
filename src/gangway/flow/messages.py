"""The flow's texts chosen by a key at run time: field labels (by form field name), the problems a
form or a domain check reports (by problem key) and the options of the choice fields.

They are marked with ``N_``/``Nn_`` so that extraction finds them here and translated where they
are shown (``flow.i18n.Translator``). Texts written once in a template stay in the template.
"""

from __future__ import annotations

from gangway.kit.catalogues import N_, Nn_

# Form field name -> its label (the error summary and the review page name fields by these).
LABELS: dict[str, str] = {
    "accept_terms": N_("I accept the terms and the privacy notice"),
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "date_of_birth": N_("Date of birth"),
    "nationality": N_("Nationality"),
    "country_code": N_("Country"),
    "street1": N_("Street address"),
    "street2": N_("Apartment, suite, etc."),
    "city": N_("City"),
    "region": N_("Region"),
    "postal_code": N_("Postal code"),
    "phone_number": N_("Phone number"),
    "code": N_("Verification code"),
    "type": N_("Document type"),
    "number": N_("Document number"),
    "issuing_country": N_("Issuing country"),
    "expiry_date": N_("Expiry date"),
    "front": N_("Front of document"),
    "back": N_("Back of document"),
    "selfie": N_("Selfie"),
    "employment_status": N_("Employment status"),
    "occupation": N_("Occupation"),
    "source_of_funds": N_("Source of funds"),
    "expected_monthly_amount": N_("Expected monthly incoming amount"),
    "purpose": N_("Purpose of the account"),
    "tax_residence_country": N_("Country of tax residence"),
    "tax_id": N_("Tax identification number"),
    "us_person": N_("Are you a US person for tax purposes?"),
    "pep": N_(
        "Are you, or is a family member or close associate of yours, a politically exposed "
        "person (PEP)?"
    ),
    "pep_details": N_("Tell us more (role, country, relation to you)"),
    "current_passcode": N_("Current passcode"),
    "passcode": N_("Passcode"),
    "passcode_confirm": N_("Confirm passcode"),
    "passkey": N_("Passkey"),
    "proof_type": N_("Document type"),
    "issue_date": N_("Issue date"),
    "file": N_("File"),
}

# Problem key -> its message; a pair is a plural message whose count is the ``num`` parameter.
PROBLEMS: dict[str, str | tuple[str, str]] = {
    "required": N_("Fill in this field."),
    "required_choice": N_("Choose one of the options."),
    "terms_required": N_("Accept the terms to continue."),
    "too_long": Nn_("Use at most %(num)d character.", "Use at most %(num)d characters."),
    "bad_chars": N_("Remove the special characters."),
    # Only a browser without a date control lets a person type a date in another format.
    "date_format": N_("Enter the date as YYYY-MM-DD."),
    "date_past": N_("The date must be in the past."),
    "date_1900": N_("The date cannot be before 1900."),
    "age_18": N_("You must be 18 or older."),
    "date_future": N_("The document has expired."),
    "country": N_("Choose a country from the list."),
    "phone_invalid": N_("Enter a valid number with the country code, e.g. +46701234567."),
    "code_format": N_("Enter the 6 digits of the code."),
    "code_wrong": N_("The code is not correct. Try again."),
    "code_expired": N_("The code has expired. Send a new code."),
    "code_locked": N_("Too many wrong tries. Send a new code."),
    "code_not_sent": N_("Send a code to this number first."),
    "code_wait": Nn_(
        "Wait %(num)d second before sending a new code.",
        "Wait %(num)d seconds before sending a new code.",
    ),
    "code_too_many": N_("Too many codes sent. Try again in an hour."),
    "sms_failed": N_("We could not send the message. Try again in a moment."),
    "doc_number": N_("Use letters, digits, spaces or dashes (at most 40)."),
    "file_required": N_("Choose a file."),
    "file_empty": N_("The file is empty."),
    "file_too_large": N_("The file is larger than 10 MB."),
    "file_type": N_("Upload a JPEG or PNG image."),
    "file_type_pdf": N_("Upload a PDF, JPEG or PNG file."),
    "file_unreadable": N_("The file could not be read."),
    "file_dimensions": N_("The image size is not supported."),
    "photo_too_small": N_("The photo is too small to read: take it again closer, in good light."),
    "photo_blurred": N_("The photo is blurred: hold the phone still and take it again."),
    "photo_too_dark": N_("The photo is too dark: take it again in better light."),
    "photo_glare": N_(
        "The photo has glare: tilt the document away from the light and take it again."
    ),
    "photo_document_not_visible": N_(
        "The whole document must be visible: take the photo again with all four corners in it."
    ),
    "tax_id_invalid": N_("Use letters, digits, spaces, dots or dashes (at most 30)."),
    "pep_details_required": N_("Tell us about the role."),
    "passcode_format": N_("Enter exactly 6 digits."),
    "passcode_repeated": N_("Do not use the same digit six times."),
    "passcode_sequence": N_("Do not use a sequence like 123456."),
    "passcode_mismatch": N_("The passcodes do not match."),
    "passcode_current_wrong": N_("This is not your current passcode."),
    "passcode_wrong": Nn_(
        "The passcode is not correct. %(num)d try left.",
        "The passcode is not correct. %(num)d tries left.",
    ),
    "consent_locked": N_("Too many wrong passcodes. Try again after %(until)s (UTC)."),
    "issue_date_future": N_("The issue date cannot be in the future."),
    "issue_date_old": N_("The document must be from the last 3 months."),
}

# Choice field -> option value -> its label (the values are what the API stores).
CHOICES: dict[str, dict[str, str]] = {
    "employment_status": {
        "employed": N_("Employed"),
        "self_employed": N_("Self-employed"),
        "student": N_("Student"),
        "retired": N_("Retired"),
        "unemployed": N_("Not working"),
        "other": N_("Other"),
    },
    "occupation": {
        "management": N_("Manager or executive"),
        "professional": N_("Professional (e.g. engineer, doctor, lawyer)"),
        "office": N_("Office or administration"),
        "sales_service": N_("Sales or service"),
        "trades": N_("Trades, construction or manufacturing"),
        "healthcare_education": N_("Healthcare or education"),
        "public_sector": N_("Public sector or military"),
        "student": N_("Student"),
        "none": N_("No occupation"),
        "other": N_("Other"),
    },
    "source_of_funds": {
        "salary": N_("Salary or pension"),
        "business": N_("Business income"),
        "savings": N_("Savings"),
        "investments": N_("Investments"),
        "inheritance": N_("Inheritance or gift"),
        "benefits": N_("Benefits or student aid"),
        "other": N_("Other"),
    },
    "expected_monthly_amount": {
        "under_1000": N_("Less than 1,000 EUR"),
        "1000_5000": N_("1,000 to 5,000 EUR"),
        "5000_20000": N_("5,000 to 20,000 EUR"),
        "over_20000": N_("More than 20,000 EUR"),
    },
    "purpose": {
        "everyday": N_("Everyday spending"),
        "salary": N_("Receiving salary"),
        "savings": N_("Saving"),
        "travel": N_("Travel"),
        "online_shopping": N_("Online shopping"),
        "other": N_("Other"),
    },
    "document_type": {
        "passport": N_("Passport"),
        "national_id": N_("National ID card"),
        "driving_licence": N_("Driving licence"),
    },
    "proof_type": {
        "utility_bill": N_("Utility bill"),
        "bank_statement": N_("Bank statement"),
        "tax_letter": N_("Tax letter"),
        "other": N_("Other"),
    },
}
