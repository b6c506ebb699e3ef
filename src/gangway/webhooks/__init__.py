"""Webhook endpoints of partners and the delivery of events to them (outbox, signing, retries)."""
