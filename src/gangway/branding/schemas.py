"""Partner-facing I/O of ``GET/PATCH /v3/branding``."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gangway.branding.logo import MAX_BASE64_LENGTH, MAX_LOGO_BYTES, MAX_SIDE, MIN_SIDE
from gangway.individuals.schemas import Email, Phone
from gangway.kit.timefmt import Timestamp

# No control characters, and at least one character that is not blank (the class of
# ``web.schemas.NOT_BLANK``, read alike by Python, pydantic's Rust regex and ECMAScript).
# Not trimmed: what matches is stored as given (HTML collapses the spaces).
DISPLAY_NAME = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f\x85\ufeff][^\x00-\x1f\x7f]*$"
HEX_COLOR = r"^#[0-9A-Fa-f]{6}$"
# A 16x16 green PNG (the schema's example: a client can try it as is).
LOGO_EXAMPLE = (
    "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAGUlEQVR42mPkzvNnIAUwMZAIRjWMahg6GgCW2gDo"
    "uv2S/QAAAABJRU5ErkJggg=="
)

DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=80, pattern=DISPLAY_NAME),
    Field(description="Shown in the flow's header (and tab title) instead of the partner's name."),
]
PrimaryColor = Annotated[
    str,
    StringConstraints(strip_whitespace=False, pattern=HEX_COLOR),
    Field(
        description="`#rrggbb`, for buttons, links and the focus ring. It must reach the WCAG AA "
        "contrast of 4.5:1 against the page background `#f3f5f8` and against the white button "
        "text `#ffffff` (`format: wcag-aa-color`); otherwise 400 `validation_error`, whose "
        "message gives both measured ratios. A colour is never adjusted.",
        json_schema_extra={"format": "wcag-aa-color"},
        examples=["#0b6e4f"],
    ),
]
LogoPng = Annotated[
    str,
    # No pattern: the format names the rule (base64 of a PNG), as `format: phone` does.
    StringConstraints(strip_whitespace=False, max_length=MAX_BASE64_LENGTH),
    Field(
        description=f"The logo: a PNG image, base64-encoded (`format: png-base64`), at most "
        f"{MAX_LOGO_BYTES // 1024} KiB decoded, each side {MIN_SIDE} to {MAX_SIDE} pixels. It "
        "is decoded and re-encoded (metadata and animation frames are dropped); anything that "
        "is not such a PNG is 400 `validation_error`. Shown at most 40 pixels high.",
        json_schema_extra={
            "format": "png-base64",
            "contentEncoding": "base64",
            "contentMediaType": "image/png",
        },
        examples=[LOGO_EXAMPLE],
    ),
]
SupportUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=False, max_length=2048),
    Field(
        description="A help page: an absolute `https` URL (in the sandbox also `http` to "
        "localhost), without a fragment.",
        json_schema_extra={"format": "uri"},
    ),
]

EXAMPLE: dict[str, Any] = {
    "display_name": "Nordpay",
    "primary_color": "#0b6e4f",
    "support_email": "help@nordpay.example",
    "support_phone": "46701234567",
    "support_url": "https://nordpay.example/help",
    "logo": {
        "url": "https://gangway.example/flow/branding/7d0c4b2e-4f3a-4d52-9a57-2f1c7b9e0a11/logo.png?v=9f2c61d0a8e4b7c3",
        "width": 240,
        "height": 64,
        "sha256": "9f2c61d0a8e4b7c35c0f1e3a2b4d6f8091a2b3c4d5e6f708192a3b4c5d6e7f80",
    },
    "updated_at": "2026-12-02T09:15:00.000Z",
}


class BrandingPatch(BaseModel):
    """Only the fields given change; `null` clears one (the flow then shows the partner's name,
    Gangway's colour, no logo or no support line)."""

    display_name: DisplayName | None = None
    primary_color: PrimaryColor | None = None
    support_email: Email | None = None
    support_phone: Phone | None = None
    support_url: SupportUrl | None = None
    logo_png: LogoPng | None = None
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"display_name": "Nordpay", "primary_color": "#0b6e4f"}],
        },
    )

    def changes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class LogoOut(BaseModel):
    url: str = Field(description="Served from Gangway's origin (ETag, cacheable).")
    width: int
    height: int
    sha256: str = Field(description="Of the stored (re-encoded) PNG.")


class BrandingOut(BaseModel):
    display_name: str | None = Field(description="`null`: the partner's name is shown.")
    primary_color: str | None = Field(description="`null`: Gangway's blue `#1d4ed8`.")
    support_email: str | None
    support_phone: str | None = Field(description="Digits with the country code, no `+`.")
    support_url: str | None
    logo: LogoOut | None
    updated_at: Timestamp | None = Field(description="`null`: never branded.")
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})
