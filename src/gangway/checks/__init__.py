"""Automated checks run at submission: pure rules, screening lookups, the risk level."""
