"""What a check's reason key means, for a compliance officer (the back office shows these)."""

from __future__ import annotations

FIELD_NAMES = {
    "document_number": "document number",
    "first_names": "first names",
    "last_name": "last name",
    "date_of_birth": "date of birth",
    "expiry_date": "expiry date",
    "nationality": "nationality",
    "issuing_country": "issuing country",
    "document_type": "document type",
}

REASONS = {
    "mrz_matches_claims": "The machine-readable zone was read, every check digit is valid and it "
    "agrees with what the user typed and the partner sent.",
    "mrz_unreadable": "The machine-readable zone could not be read from the photo: check the "
    "document by eye.",
    "mrz_check_digits_invalid": "The machine-readable zone was read but its check digits do not "
    "add up: a misread, or an altered document.",
    "faces_match": "The selfie and the document portrait show the same person (score above the "
    "threshold).",
    "faces_differ": "The selfie and the document portrait do not match.",
    "selfie_missing": "No selfie was sent.",
    "no_face_on_document": "No face was found on the document photo.",
    "no_face_on_selfie": "No face was found on the selfie.",
    "several_faces_on_document": "Several faces were found on the document photo.",
    "several_faces_on_selfie": "Several faces were found on the selfie.",
    "quality_ok": "Both photos are sharp, well lit and show the whole document.",
    "simulated": "Sandbox: simulated submission, not verified.",
    "check_crashed": "The check could not run; verify by hand.",
}

QUALITY_PROBLEMS = {
    "photo_too_small": "is too small",
    "photo_blurred": "is blurred",
    "photo_too_dark": "is too dark",
    "photo_glare": "has glare",
    "photo_document_not_visible": "does not show the whole document",
}


def explain(reason: str) -> str:
    """A sentence for a reviewer; unknown keys are shown readably rather than hidden."""
    if reason in REASONS:
        return REASONS[reason]
    for suffix, meaning in (("_near_match", "nearly match"), ("_mismatch", "differ")):
        if reason.endswith(suffix):
            fields = reason.removesuffix(suffix).split("_and_")
            named = ", ".join(FIELD_NAMES.get(f, f.replace("_", " ")) for f in fields)
            return f"The document's machine-readable zone and the claimed {named} {meaning}."
    for problem, meaning in QUALITY_PROBLEMS.items():
        if reason.endswith(problem):
            photo = reason.removesuffix("_" + problem).replace("_", " ")
            return f"The {photo} photo {meaning}."
    return reason.replace("_", " ").capitalize() + "."
