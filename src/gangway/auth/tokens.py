"""Access tokens: HS256 JWTs with a ``kid`` header, signed with a key derived from the secret."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import jwt

from gangway.kit.crypto import derive_key, key_id

ISSUER = "gangway"
AUDIENCE = "gangway-partner-api"


@dataclass(frozen=True)
class AccessClaims:
    partner_id: uuid.UUID
    session_id: uuid.UUID
    api_key_id: uuid.UUID
    expires_at: datetime


class AccessTokenSigner:
    def __init__(self, secret: str) -> None:
        self._key = derive_key(secret, "access-token")
        self.kid = key_id(self._key)
        # Keys still accepted for verification, by kid (a rotated-out key would stay here a while).
        self._keys = {self.kid: self._key}

    def issue(self, claims: AccessClaims, issued_at: datetime) -> str:
        return jwt.encode(
            {
                "iss": ISSUER,
                "aud": AUDIENCE,
                "sub": str(claims.partner_id),
                "sid": str(claims.session_id),
                "akid": str(claims.api_key_id),
                "iat": int(issued_at.timestamp()),
                "exp": int(claims.expires_at.timestamp()),
            },
            self._key,
            algorithm="HS256",
            headers={"kid": self.kid},
        )

    def verify(self, token: str, now: datetime) -> AccessClaims | None:
        """The claims of a valid, unexpired token; ``None`` for anything else."""
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(header.get("kid", ""))
            if key is None or header.get("alg") != "HS256":
                return None
            data = jwt.decode(
                token,
                key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"verify_exp": False, "require": ["exp", "sub", "sid", "akid"]},
            )
            if int(data["exp"]) <= now.timestamp():
                return None
            return AccessClaims(
                partner_id=uuid.UUID(data["sub"]),
                session_id=uuid.UUID(data["sid"]),
                api_key_id=uuid.UUID(data["akid"]),
                expires_at=datetime.fromtimestamp(int(data["exp"]), tz=now.tzinfo),
            )
        except (jwt.PyJWTError, ValueError, KeyError, TypeError):
            return None
