"""Consents: the end user's authorisation step behind a pending action, and its hosted-flow links."""
