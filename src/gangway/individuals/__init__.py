"""The partner-facing individual: create, read, list, patch and its status transitions."""
