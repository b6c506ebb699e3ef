"""Personal-data lifecycle: erasure (redaction) with the AML retention hold, and key rotation."""
