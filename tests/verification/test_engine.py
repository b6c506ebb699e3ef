"""End to end on synthetic documents and real face photos made in the test (no download)."""

from __future__ import annotations

import random
from dataclasses import replace

import cv2
import numpy as np
import pytest
from bench.verification_data import FACES, photograph, render_document, selfie, synthetic_document

from gangway.verification.engine import (
    BuiltinEngine,
    CheckOutcome,
    VerificationInputs,
    VerificationReport,
)
from gangway.verification.engine.faces import check_face_match
from gangway.verification.engine.mrz import check_document_mrz

pytestmark = pytest.mark.usefixtures("tools")


def _other(face: str) -> str:
    return next(f for f in FACES if f != face)


def test_genuine_submission_passes_all_three_checks(rng: random.Random) -> None:
    document = synthetic_document(rng, document_format="TD1", face="hopper")
    inputs = VerificationInputs(
        document.front, selfie("hopper", rng), document.back, document.person.claims("TD1")
    )
    report = BuiltinEngine().verify(inputs)
    assert {c.check: str(c.outcome) for c in report.checks} == {
        "document_mrz": "pass",
        "face_match": "pass",
        "image_quality": "pass",
    }, [c.reason for c in report.checks]
    assert VerificationReport.from_json(report.to_json()) == report
    faces = report.check("face_match")
    assert faces is not None and set(faces.attachments) == {"document_face.jpg", "selfie_face.jpg"}
    assert all(crop.startswith(b"\xff\xd8") for crop in faces.attachments.values())


def test_selfie_of_another_person_fails_face_match(rng: random.Random) -> None:
    document = synthetic_document(rng, document_format="TD3", face="collins")
    check = check_face_match(document.front, selfie(_other("collins"), rng))
    assert check.outcome is CheckOutcome.fail and check.reason == "faces_differ"


def test_typed_document_number_that_differs_fails_document_mrz(rng: random.Random) -> None:
    document = synthetic_document(rng, document_format="TD3")
    typed = (
        "X" + document.person.document_number[1:]
        if document.person.document_number[0] != "X"
        else "Y" + document.person.document_number[1:]
    )
    claims = replace(document.person.claims("TD3"), document_number=typed)
    check = check_document_mrz(document.front, document.back, claims)
    assert check.outcome is CheckOutcome.fail
    assert "document_number" in check.reason


def test_unreadable_mrz_warns_instead_of_passing(rng: random.Random) -> None:
    document = synthetic_document(rng, document_format="TD2", degradation="blur")
    heavy = cv2.GaussianBlur(
        cv2.imdecode(np.frombuffer(document.front, np.uint8), cv2.IMREAD_COLOR), (0, 0), 9
    )
    blurred = cv2.imencode(".jpg", heavy)[1].tobytes()
    check = check_document_mrz(blurred, None, document.person.claims("TD2"))
    assert check.outcome is CheckOutcome.warn
    assert check.reason in {"mrz_unreadable", "mrz_check_digits_invalid"}


def test_several_faces_in_the_selfie_fail(rng: random.Random) -> None:
    document = synthetic_document(rng, document_format="TD3", face="collins")
    left = cv2.imdecode(np.frombuffer(selfie("collins", rng), np.uint8), cv2.IMREAD_COLOR)
    right = cv2.imdecode(np.frombuffer(selfie("hopper", rng), np.uint8), cv2.IMREAD_COLOR)
    group = cv2.imencode(".jpg", np.hstack([left, right]))[1].tobytes()
    check = check_face_match(document.front, group)
    assert check.outcome is CheckOutcome.fail and check.reason == "several_faces_on_selfie"


def test_no_face_on_the_document_fails(rng: random.Random) -> None:
    document = synthetic_document(rng, document_format="TD1")
    assert document.back is not None
    check = check_face_match(document.back, selfie("hopper", rng))
    assert check.outcome is CheckOutcome.fail and check.reason == "no_face_on_document"


def test_a_broken_check_becomes_error_not_an_exception(rng: random.Random) -> None:
    report = BuiltinEngine().verify(VerificationInputs(b"not an image", selfie("hopper", rng)))
    outcomes = {c.check: c.outcome for c in report.checks}
    assert outcomes["document_mrz"] is CheckOutcome.error
    assert outcomes["image_quality"] is CheckOutcome.error
    assert report.outcome is CheckOutcome.error


def test_card_front_and_back_render_with_portrait_and_zone(rng: random.Random) -> None:
    person = synthetic_document(rng, document_format="TD1").person
    front, back, lines = render_document(person, "TD1", rng)
    assert back is not None and len(lines) == 3 and all(len(line) == 30 for line in lines)
    assert photograph(front, rng)[:2] == b"\xff\xd8"
