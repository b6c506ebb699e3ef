"""CSRF tokens for server-rendered forms (hosted flow and back office).

A token is an HMAC of the browser session's id under a key derived from the server secret, so it is
bound to that session: a cross-site form cannot know it, and no server-side storage is needed.
Put it in every form as ``<input type="hidden" name="csrf_token">`` and check it on every POST.
"""

from __future__ import annotations

import hashlib
import hmac

from gangway.errors import Forbidden
from gangway.kit.crypto import derive_key

FIELD_NAME = "csrf_token"


class CsrfProtector:
    def __init__(self, secret: str, purpose: str) -> None:
        self._key = derive_key(secret, f"csrf:{purpose}")

    def token_for(self, session_key: str) -> str:
        return hmac.new(self._key, session_key.encode(), hashlib.sha256).hexdigest()

    def verify(self, session_key: str, presented: str | None) -> None:
        """Raise ``Forbidden`` unless ``presented`` is this session's token."""
        if not presented or not hmac.compare_digest(self.token_for(session_key), presented):
            raise Forbidden(
                "The form expired or did not come from this site. Reload the page and try again."
            )
