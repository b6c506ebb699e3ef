"""The append-only audit log: every staff action and security-relevant event, from any package."""
