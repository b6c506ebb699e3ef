"""Partner-facing I/O of ``POST /v3/individuals/{id}/onboard``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gangway.kit.timefmt import Timestamp
from gangway.web.schemas import StrictInput


class OnboardRequest(StrictInput):
    return_url: str | None = Field(
        default=None,
        max_length=2048,
        json_schema_extra={"format": "uri"},
        description="Where the browser goes when the user finishes or cancels; `individual_id` "
        "and `status` (`onboarding_data_provided` or `canceled`) are appended to its query.",
    )
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"return_url": "https://example.com/onboarding_callback"}]}
    )


class OnboardResponse(BaseModel):
    redirect_url: str = Field(description="Open this URL in a browser to start the hosted flow.")
    token: str = Field(description="The same credential, for a mobile SDK.")
    expires_at: Timestamp
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "redirect_url": "https://gangway.example.com/flow/start?token=q3X...",
                    "token": "q3X...",
                    "expires_at": "2025-06-08T15:09:15.000Z",
                }
            ]
        }
    )
