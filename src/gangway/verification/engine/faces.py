"""Face match (check id ``face_match``): one face on the document, one in the selfie, same person?

Detection is dlib's HOG frontal-face detector; each face is aligned with the 5-point landmark model
and embedded by dlib's ResNet (128 numbers; 99.38 % on LFW at distance 0.6). Both models ship in
the ``face-recognition-models`` wheel: nothing is downloaded at run time.

Scoring: the Euclidean distance between the two embeddings; the evidence also gives
``similarity = max(0, 1 - distance)`` for display. Same person when ``distance <= MATCH_DISTANCE``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from gangway.verification.engine.images import Image, decode, encode_jpeg, fit_within
from gangway.verification.engine.report import CheckOutcome, VerificationCheck

CHECK_ID = "face_match"
# dlib's published operating point is 0.6; the bench (document portrait against selfie, with print
# and camera degradations) measured the rates in docs/performance.md (Identity verification) at this value.
MATCH_DISTANCE = 0.55
# Photos are shrunk to this longer side before detection: HOG finds faces from ~80 px, and a
# document portrait stays above that at 1000 px for a card filling half the frame.
DETECT_SIDE = 1000
# Faces smaller than this share of the largest face are background (a passer-by, the small ghost
# portrait printed on many ID cards) and do not count as "several faces".
SECONDARY_FACE_SHARE = 0.45
CROP_SIDE = 160


class FaceModelUnavailable(RuntimeError):
    """dlib or the face-recognition-models wheel is missing."""


def models_directory() -> Path | None:
    # Found without importing the package: its __init__ needs pkg_resources, gone from setuptools.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(next(iter(spec.submodule_search_locations))) / "models"
    return directory if (directory / "dlib_face_recognition_resnet_model_v1.dat").exists() else None


@cache
def _models() -> tuple[Any, Any, Any]:
    try:
        import dlib
    except ImportError as error:  # pragma: no cover - depends on the install
        raise FaceModelUnavailable("dlib is not installed") from error
    directory = models_directory()
    if directory is None:
        raise FaceModelUnavailable("face-recognition-models is not installed")
    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(str(directory / "shape_predictor_5_face_landmarks.dat")),
        dlib.face_recognition_model_v1(
            str(directory / "dlib_face_recognition_resnet_model_v1.dat")
        ),
    )


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # left, top, width, height in the detection image
    embedding: NDArray[np.float64]
    crop: bytes


@dataclass(frozen=True)
class FaceSearch:
    faces: tuple[Face, ...]
    ignored: int  # small background faces


def find_faces(content: bytes) -> FaceSearch:
    """The significant faces in a photo, each embedded, largest first."""
    detector, predictor, recogniser = _models()
    image, _ = fit_within(decode(content), DETECT_SIDE)
    rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    detections = list(detector(rgb, 0))
    if not detections:
        # Small faces (a portrait on a card far from the camera) need one upsampling pass.
        detections = list(detector(rgb, 1))
    detections.sort(key=lambda d: -d.area())
    if not detections:
        return FaceSearch((), 0)
    largest = detections[0].area()
    significant = [d for d in detections if d.area() >= SECONDARY_FACE_SHARE * largest]
    faces = []
    for detection in significant:
        shape = predictor(rgb, detection)
        embedding = np.array(recogniser.compute_face_descriptor(rgb, shape), dtype=np.float64)
        box = (detection.left(), detection.top(), detection.width(), detection.height())
        faces.append(Face(box, embedding, _crop(image, box)))
    return FaceSearch(tuple(faces), len(detections) - len(significant))


def _crop(image: Image, box: tuple[int, int, int, int]) -> bytes:
    left, top, width, height = box
    margin = int(0.35 * max(width, height))
    x0, y0 = max(0, left - margin), max(0, top - margin)
    x1, y1 = min(image.shape[1], left + width + margin), min(image.shape[0], top + height + margin)
    crop, _ = fit_within(image[y0:y1, x0:x1], CROP_SIDE)
    return encode_jpeg(crop, quality=75)


def distance(a: Face, b: Face) -> float:
    return float(np.linalg.norm(a.embedding - b.embedding))


def check_face_match(document_front: bytes, selfie: bytes | None) -> VerificationCheck:
    """The ``face_match`` check; zero or several faces on either photo is a ``fail``."""
    if selfie is None:
        return VerificationCheck(CHECK_ID, CheckOutcome.fail, "selfie_missing")
    on_document, in_selfie = find_faces(document_front), find_faces(selfie)
    evidence: dict[str, object] = {
        "document_faces": len(on_document.faces),
        "selfie_faces": len(in_selfie.faces),
        "ignored_small_faces": on_document.ignored + in_selfie.ignored,
        "threshold_distance": MATCH_DISTANCE,
    }
    for name, search in (("document", on_document), ("selfie", in_selfie)):
        if not search.faces:
            return VerificationCheck(CHECK_ID, CheckOutcome.fail, f"no_face_on_{name}", evidence)
        if len(search.faces) > 1:
            attachments = {f"{name}_face_{i}.jpg": f.crop for i, f in enumerate(search.faces[:4])}
            return VerificationCheck(
                CHECK_ID, CheckOutcome.fail, f"several_faces_on_{name}", evidence, attachments
            )
    document_face, selfie_face = on_document.faces[0], in_selfie.faces[0]
    gap = distance(document_face, selfie_face)
    evidence["distance"] = round(gap, 4)
    evidence["similarity"] = round(max(0.0, 1.0 - gap), 4)
    attachments = {"document_face.jpg": document_face.crop, "selfie_face.jpg": selfie_face.crop}
    if gap <= MATCH_DISTANCE:
        return VerificationCheck(
            CHECK_ID, CheckOutcome.passed, "faces_match", evidence, attachments
        )
    return VerificationCheck(CHECK_ID, CheckOutcome.fail, "faces_differ", evidence, attachments)
