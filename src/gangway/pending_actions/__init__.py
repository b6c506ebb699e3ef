"""Pending actions: follow-up verifications the provider asks of an individual after onboarding."""
