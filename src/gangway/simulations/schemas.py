from __future__ import annotations

from pydantic import ConfigDict, Field

from gangway.web.schemas import StrictInput


class SimulateKyc(StrictInput):
    individual_id: str = Field(
        max_length=64,
        json_schema_extra={"format": "uuid"},
        description="An individual in `onboarding_requested`.",
    )
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"individual_id": "9c017aec-c952-4713-aa10-11708cb0d11a"}]}
    )
