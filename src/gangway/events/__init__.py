"""Business events: recorded in the caller's transaction (the outbox) and read by partners."""
