"""Database engine, the session scope (commit/rollback at the edge) and portable column types."""
