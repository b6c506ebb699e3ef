"""The hosted flow: server-rendered steps shared by onboarding and (later) the consent flows."""
