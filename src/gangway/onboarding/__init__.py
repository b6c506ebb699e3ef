"""Onboarding: links, drafts, the hosted flow and the submission."""
