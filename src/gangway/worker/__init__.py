"""The background worker: webhook delivery claim loop and periodic jobs."""
