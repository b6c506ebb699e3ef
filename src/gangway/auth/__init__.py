"""Partners, API keys, logins and access tokens."""
