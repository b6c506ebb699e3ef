"""Generic helpers that import no domain package."""
