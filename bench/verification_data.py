"""Synthetic, labelled verification data: identity documents with real MRZs, selfies, degradations.

Documents are drawn with Pillow: a tinted card with guilloche lines, printed fields, a portrait and
an MRZ in OCR-B (Debian's ``fonts-ocr-b``), whose lines come from the ``mrz`` package's generators
(valid ICAO 9303 check digits). The card is then photographed: placed on a table, rotated ±5°,
given a slight perspective, and degraded (blur, noise, JPEG 50-90, and on purpose glare, darkness
or strong blur, each recorded as a label).

Portraits and selfies use the only real face photographs found inside registry packages:
scikit-image's ``astronaut`` (Eileen Collins) and matplotlib's ``grace_hopper``. There is a single
photo of each person, so a *genuine* pair is two differently degraded copies of one photo, and an
*impostor* pair is always Collins against Hopper: the face figures measure robustness to capture
conditions, not discrimination across a population. Nothing is downloaded.

Used by ``bench/verification.py`` and by ``tests/verification``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from mrz.generator.td1 import TD1CodeGenerator
from mrz.generator.td2 import TD2CodeGenerator
from mrz.generator.td3 import TD3CodeGenerator
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from gangway.verification.engine.claims import Claims, DocumentType

OCR_B = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SANS_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

Array = NDArray[np.uint8]

SURNAMES = [
    "Müller",
    "Ångström",
    "Sørensen",
    "García López",
    "Nowak",
    "O'Brien",
    "Dubois",
    "Rossi",
    "Schröder",
    "Kowalczyk",
    "Öztürk",
    "Jensen",
    "Straßmann",
    "Nguyen",
    "Papadopoulos",
    "Eriksson",
    "Van der Berg",
    "Smith-Jones",
    "Horváth",
    "Novák",
    "Fernandes",
    "Łukaszewicz",
    "Dąbrowski",
]
GIVEN_NAMES = [
    "Anna María",
    "Jörg",
    "Zoë",
    "François",
    "Łukasz",
    "Ingrid",
    "José Luis",
    "Mette",
    "Åsa",
    "Chloé",
    "Mateusz",
    "Sophie",
    "Jürgen Karl",
    "Elif",
    "Liam",
    "Noémie",
    "Bartholomew",
    "Ida",
]
# (ISO alpha-2 as a user types it, ICAO code printed in the MRZ); Germany prints "D".
COUNTRIES = [
    ("DE", "D"),
    ("FR", "FRA"),
    ("NL", "NLD"),
    ("SE", "SWE"),
    ("PL", "POL"),
    ("ES", "ESP"),
    ("IT", "ITA"),
    ("DK", "DNK"),
    ("IE", "IRL"),
    ("AT", "AUT"),
    ("PT", "PRT"),
    ("BE", "BEL"),
]
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
FORMATS = ("TD3", "TD1", "TD2")
FACES = ("collins", "hopper")
DEGRADATIONS = ("none", "blur", "dark", "glare")


@dataclass(frozen=True)
class Person:
    surname: str
    given_names: str
    document_number: str
    nationality: tuple[str, str]
    issuing: tuple[str, str]
    birth: date
    expiry: date
    sex: str
    face: str

    def claims(self, document_format: str) -> Claims:
        return Claims(
            document_number=self.document_number,
            first_names=self.given_names,
            last_name=self.surname,
            date_of_birth=self.birth,
            expiry_date=self.expiry,
            nationality=self.nationality[0],
            issuing_country=self.issuing[0],
            document_type=DocumentType.passport
            if document_format == "TD3"
            else DocumentType.id_card,
        )


@dataclass(frozen=True)
class SyntheticDocument:
    person: Person
    format: str
    mrz: tuple[str, ...]
    front: bytes
    back: bytes | None
    degradation: str
    labels: dict[str, object] = field(default_factory=dict)


def random_person(rng: random.Random, face: str | None = None) -> Person:
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    expiry = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 365 * 9))
    # Document numbers mix letters and digits so check-digit correction has something to do.
    number = "".join(rng.choice(ALNUM) for _ in range(9))
    country = rng.choice(COUNTRIES)
    return Person(
        surname=rng.choice(SURNAMES),
        given_names=rng.choice(GIVEN_NAMES),
        document_number=number,
        nationality=country,
        issuing=country,
        birth=birth,
        expiry=expiry,
        sex=rng.choice("MF"),
        face=face or rng.choice(FACES),
    )


def mrz_lines(person: Person, document_format: str) -> tuple[str, ...]:
    def yymmdd(d: date) -> str:
        return d.strftime("%y%m%d")

    if document_format == "TD3":
        code = TD3CodeGenerator(
            "P",
            person.issuing[1],
            person.surname,
            person.given_names,
            person.document_number,
            person.nationality[1],
            yymmdd(person.birth),
            person.sex,
            yymmdd(person.expiry),
        )
    elif document_format == "TD1":
        code = TD1CodeGenerator(
            "ID",
            person.issuing[1],
            person.document_number,
            yymmdd(person.birth),
            person.sex,
            yymmdd(person.expiry),
            person.nationality[1],
            person.surname,
            person.given_names,
        )
    else:
        code = TD2CodeGenerator(
            "ID",
            person.issuing[1],
            person.surname,
            person.given_names,
            person.document_number,
            person.nationality[1],
            yymmdd(person.birth),
            person.sex,
            yymmdd(person.expiry),
        )
    return tuple(str(code).splitlines())


# --- faces ---------------------------------------------------------------------------------


@cache
def face_photo(face: str) -> Array:
    """A real photograph (BGR) cropped around one face, about 3:4."""
    if face == "collins":
        from skimage import data

        image = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
        # The astronaut photo also holds a mission patch that HOG sometimes takes for a face.
        return image[10:290, 110:320].copy()
    if face == "hopper":
        from matplotlib import cbook

        path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
        image = cv2.imread(str(path))
        return image[40:460, 110:450].copy()
    raise ValueError(face)


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _card(width: int, height: int, rng: random.Random) -> Image.Image:
    tint = [rng.randint(200, 235) for _ in range(3)]
    base = np.zeros((height, width, 3), np.float32) + np.array(tint, np.float32)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    # Guilloche-like security lines: thin low-contrast sinusoids.
    for _ in range(6):
        freq, phase, amp = rng.uniform(0.01, 0.03), rng.uniform(0, 6.28), rng.uniform(10, 40)
        wave = np.abs(np.sin((yy + amp * np.sin(xx * freq + phase)) * 0.15))
        base -= (wave > 0.97)[..., None] * rng.uniform(15, 30)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)[..., ::-1].copy())


def _paste_portrait(card: Image.Image, face: str, box: tuple[int, int, int, int]) -> None:
    x, y, w, h = box
    portrait = cv2.resize(face_photo(face), (w, h), interpolation=cv2.INTER_AREA)
    card.paste(Image.fromarray(cv2.cvtColor(portrait, cv2.COLOR_BGR2RGB)), (x, y))


def _draw_mrz(card: Image.Image, lines: tuple[str, ...], pitch: float, bottom: int) -> None:
    draw = ImageDraw.Draw(card)
    probe = _font(OCR_B, 100)
    size = max(8, round(100 * pitch * len(lines[0]) / probe.getlength(lines[0])))
    font = _font(OCR_B, size)
    line_step = pitch * 1.7
    left = (card.width - font.getlength(lines[0])) / 2
    for i, line in enumerate(lines):
        y = bottom - (len(lines) - i) * line_step
        draw.text((left, y), line, fill=(20, 20, 25), font=font)


def _draw_fields(
    card: Image.Image, person: Person, title: str, x: int, y: int, scale: float
) -> None:
    draw = ImageDraw.Draw(card)
    head = _font(SANS_BOLD, round(34 * scale))
    label = _font(SANS, round(15 * scale))
    value = _font(SANS_BOLD, round(22 * scale))
    draw.text((x, round(18 * scale)), title, fill=(40, 40, 90), font=head)
    fields = [
        ("Surname / Nom", person.surname.upper()),
        ("Given names / Prénoms", person.given_names.upper()),
        ("Nationality", person.nationality[0]),
        ("Date of birth", person.birth.strftime("%d.%m.%Y")),
        ("Sex", person.sex),
        ("Date of expiry", person.expiry.strftime("%d.%m.%Y")),
        ("Document no.", person.document_number),
    ]
    step = round(52 * scale)
    for i, (name, text) in enumerate(fields):
        draw.text((x, y + i * step), name, fill=(70, 70, 90), font=label)
        draw.text((x, y + i * step + round(17 * scale)), text, fill=(15, 15, 20), font=value)


def render_document(
    person: Person, document_format: str, rng: random.Random
) -> tuple[Image.Image, Image.Image | None, tuple[str, ...]]:
    """The flat card(s) at 10 px/mm: front, back (TD1 only) and the MRZ lines printed."""
    lines = mrz_lines(person, document_format)
    pitch = 25.4  # ICAO 9303: 10 characters per inch, 2.54 mm at 10 px/mm.
    if document_format == "TD3":
        card = _card(1250, 880, rng)
        _paste_portrait(card, person.face, (60, 150, 330, 430))
        _draw_fields(card, person, "PASSPORT", 430, 140, 1.2)
        _draw_mrz(card, lines, pitch, 880 - 40)
        return card, None, lines
    if document_format == "TD2":
        card = _card(1050, 740, rng)
        _paste_portrait(card, person.face, (45, 120, 270, 350))
        _draw_fields(card, person, "IDENTITY CARD", 350, 95, 1.0)
        _draw_mrz(card, lines, pitch, 740 - 35)
        return card, None, lines
    front = _card(856, 540, rng)
    _paste_portrait(front, person.face, (35, 95, 245, 315))
    _draw_fields(front, person, "IDENTITY CARD", 310, 80, 0.82)
    back = _card(856, 540, rng)
    ImageDraw.Draw(back).text(
        (40, 40), "Address: 12 Example Street", fill=(30, 30, 30), font=_font(SANS, 24)
    )
    _draw_mrz(back, lines, pitch, 540 - 30)
    return front, back, lines


# --- photographing ---------------------------------------------------------------------------


def _table(width: int, height: int, rng: random.Random) -> Array:
    colour = np.array([rng.randint(40, 140) for _ in range(3)], np.float32)
    noise = cv2.GaussianBlur(
        np.random.default_rng(rng.randrange(2**32))
        .normal(0, 12, (height, width))
        .astype(np.float32),
        (0, 0),
        3,
    )
    ramp = np.linspace(-20, 20, width, dtype=np.float32)[None, :]
    table = colour[None, None, :] + (noise + ramp)[..., None]
    return np.clip(table, 0, 255).astype(np.uint8)


def photograph(
    card: Image.Image,
    rng: random.Random,
    degradation: str = "none",
    size: tuple[int, int] = (1600, 1200),
) -> bytes:
    """A phone-like JPEG photo of ``card`` on a table, with ``degradation`` applied on purpose."""
    width, height = size
    scene = _table(width, height, rng)
    flat = cv2.cvtColor(np.asarray(card), cv2.COLOR_RGB2BGR)
    cw, ch = flat.shape[1], flat.shape[0]
    scale = rng.uniform(0.62, 0.8) * width / cw
    angle = np.deg2rad(rng.uniform(-5, 5))
    cx, cy = (
        width / 2 + rng.uniform(-0.05, 0.05) * width,
        height / 2 + rng.uniform(-0.05, 0.05) * height,
    )
    corners = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32) - [cw / 2, ch / 2]
    rotation = np.array(
        [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32
    )
    target = corners @ rotation.T * scale + [cx, cy]
    target += np.array(
        [[rng.uniform(-1, 1) * 0.02 * cw * scale for _ in range(2)] for _ in range(4)], np.float32
    )
    source = (corners + np.array([cw / 2, ch / 2], np.float32)).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(source, target.astype(np.float32))
    warped = cv2.warpPerspective(flat, matrix, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), matrix, (width, height))
    scene = np.where(mask[..., None] > 127, warped, scene)
    image = scene.astype(np.float32)
    # Uneven room light.
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image *= 1.0 + 0.08 * np.sin(xx / width * 3 + rng.uniform(0, 3))[..., None]
    sigma = rng.uniform(0, 0.7)
    if degradation == "blur":
        sigma = rng.uniform(3.0, 6.0)
    if degradation == "dark":
        image *= rng.uniform(0.12, 0.22)
    if degradation == "glare":
        gx, gy = (
            target[:, 0].mean() + rng.uniform(-0.25, 0.25) * cw * scale,
            target[:, 1].mean() + rng.uniform(-0.2, 0.2) * ch * scale,
        )
        radius = rng.uniform(0.06, 0.1) * width
        spot = np.exp(-(((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * radius**2)))
        image += 400 * spot[..., None]
    if sigma > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    image += (
        np.random.default_rng(rng.randrange(2**32))
        .normal(0, rng.uniform(1.5, 5), image.shape)
        .astype(np.float32)
    )
    out = np.clip(image, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(50, 90)])
    assert ok
    return encoded.tobytes()


def selfie(
    face: str, rng: random.Random, degradation: str = "none", size: tuple[int, int] = (720, 960)
) -> bytes:
    """A selfie-like JPEG of ``face``: mirrored, reframed, re-lit, tilted, compressed."""
    photo = face_photo(face)
    if rng.random() < 0.5:
        photo = photo[:, ::-1]
    width, height = size
    background = _table(width, height, rng)
    scale = rng.uniform(0.75, 0.95) * width / photo.shape[1]
    resized = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    angle = rng.uniform(-8, 8)
    matrix = cv2.getRotationMatrix2D((resized.shape[1] / 2, resized.shape[0] / 2), angle, 1.0)
    matrix[0, 2] += (width - resized.shape[1]) / 2 + rng.uniform(-0.05, 0.05) * width
    matrix[1, 2] += (height - resized.shape[0]) / 2 + rng.uniform(-0.08, 0.05) * height
    warped = cv2.warpAffine(resized, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    mask = cv2.warpAffine(np.full(resized.shape[:2], 255, np.uint8), matrix, (width, height))
    image = np.where(mask[..., None] > 127, warped, background).astype(np.float32)
    image = image * rng.uniform(0.85, 1.15) + rng.uniform(-15, 15)
    image *= np.array([rng.uniform(0.92, 1.08) for _ in range(3)], np.float32)
    if degradation == "dark":
        image *= rng.uniform(0.12, 0.2)
    sigma = rng.uniform(3.0, 5.0) if degradation == "blur" else rng.uniform(0, 1.0)
    if sigma > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    image += (
        np.random.default_rng(rng.randrange(2**32))
        .normal(0, rng.uniform(1.5, 4), image.shape)
        .astype(np.float32)
    )
    out = np.clip(image, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(55, 90)])
    assert ok
    return encoded.tobytes()


def synthetic_document(
    rng: random.Random,
    *,
    document_format: str | None = None,
    degradation: str = "none",
    face: str | None = None,
    person: Person | None = None,
) -> SyntheticDocument:
    person = person or random_person(rng, face)
    document_format = document_format or rng.choice(FORMATS)
    front_card, back_card, lines = render_document(person, document_format, rng)
    front = photograph(front_card, rng, degradation)
    back = photograph(back_card, rng, degradation) if back_card is not None else None
    return SyntheticDocument(
        person, document_format, lines, front, back, degradation, {"degradation": degradation}
    )


def with_claim_mismatch(person: Person, field_name: str, rng: random.Random) -> Person:
    """``person`` with one claimed field changed the way a typo or a fraudster would."""
    if field_name == "document_number":
        i = rng.randrange(len(person.document_number))
        other = rng.choice([c for c in ALNUM if c != person.document_number[i]])
        return replace(
            person,
            document_number=person.document_number[:i] + other + person.document_number[i + 1 :],
        )
    if field_name == "last_name":
        return replace(person, surname=rng.choice([s for s in SURNAMES if s != person.surname]))
    if field_name == "first_names":
        return replace(
            person, given_names=rng.choice([g for g in GIVEN_NAMES if g != person.given_names])
        )
    if field_name == "date_of_birth":
        return replace(person, birth=person.birth + timedelta(days=rng.choice([-400, -31, 1, 365])))
    if field_name == "expiry_date":
        return replace(person, expiry=person.expiry + timedelta(days=rng.choice([-365, 30, 730])))
    if field_name == "nationality":
        return replace(
            person, nationality=rng.choice([c for c in COUNTRIES if c != person.nationality])
        )
    raise ValueError(field_name)


MISMATCH_FIELDS = (
    "document_number",
    "last_name",
    "first_names",
    "date_of_birth",
    "expiry_date",
    "nationality",
)
