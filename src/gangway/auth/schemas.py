from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gangway.web.schemas import NonEmptyStr, StrictInput


class LoginRequest(StrictInput):
    api_key: NonEmptyStr = Field(max_length=200)
    model_config = ConfigDict(json_schema_extra={"examples": [{"api_key": "gw_sk_..."}]})


class RefreshRequest(StrictInput):
    refresh_token: NonEmptyStr = Field(max_length=200)
    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "gw_rt_..."}]})


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    expires_in: int = Field(description="Seconds until the access token expires (900).")
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6...",
                    "refresh_token": "gw_rt_...",
                    "expires_in": 900,
                }
            ]
        }
    )
