"""An OpenID Connect relying party: the authorization code flow with PKCE (S256), state and
nonce, with Authlib's httpx client; the ID token is checked against the provider's JWKS
(joserfc: signature, issuer, audience, expiry, nonce).

Generic: it knows nothing of staff or roles (the back office's ``review.sso`` does).
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

# Signatures accepted on ID tokens (never "none", never HMAC with the client secret).
ALGORITHMS = ["RS256", "PS256", "ES256"]
DISCOVERY_TTL = 3600.0


class OidcError(Exception):
    """The provider's answer could not be used (a public reason in the message)."""


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the callback needs to check the answer: kept by the caller (sealed cookie)."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass
class OidcClient:
    issuer: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    timeout: float = 10.0
    _metadata: dict[str, Any] | None = field(default=None, repr=False)
    _metadata_at: float = field(default=0.0, repr=False)

    def _http(self, **kwargs: Any) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_endpoint_auth_method="client_secret_post" if self.client_secret else "none",
            redirect_uri=self.redirect_uri,
            scope="openid email profile",
            code_challenge_method="S256",
            timeout=self.timeout,
            **kwargs,
        )

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (cached for an hour)."""
        if self._metadata is None or time.monotonic() - self._metadata_at > DISCOVERY_TTL:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                try:
                    response = await http.get(url)
                    response.raise_for_status()
                    document = response.json()
                except (httpx.HTTPError, ValueError) as error:
                    raise OidcError("The identity provider cannot be reached.") from error
            if document.get("issuer") != self.issuer:
                raise OidcError("The identity provider's discovery names another issuer.")
            self._metadata, self._metadata_at = document, time.monotonic()
        return self._metadata

    async def authorization_request(self) -> AuthorizationRequest:
        metadata = await self.metadata()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        async with self._http() as client:
            url, _state = client.create_authorization_url(
                metadata["authorization_endpoint"],
                state=state,
                nonce=nonce,
                code_verifier=verifier,
            )
        return AuthorizationRequest(url, state, nonce, verifier)

    async def complete(
        self, *, code: str, state: str, expected_state: str, nonce: str, code_verifier: str
    ) -> dict[str, Any]:
        """Exchange the code (with the PKCE verifier) and return the verified ID token's claims."""
        if not state or not hmac.compare_digest(state, expected_state):
            raise OidcError("The sign-in answer does not belong to this browser.")
        metadata = await self.metadata()
        async with self._http() as client:
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"], code=code, code_verifier=code_verifier
                )
            except Exception as error:
                raise OidcError("The identity provider refused the sign-in code.") from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("The identity provider sent no ID token.")
        return await self.verify_id_token(id_token, nonce)

    async def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        metadata = await self.metadata()
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            try:
                response = await http.get(metadata["jwks_uri"])
                response.raise_for_status()
                keys = KeySet.import_key_set(response.json())
            except (httpx.HTTPError, ValueError, JoseError) as error:
                raise OidcError("The identity provider's keys cannot be read.") from error
        try:
            decoded = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise OidcError("The ID token is not valid.") from error
        return dict(decoded.claims)
