"""The back office at ``/admin``: staff sessions, review queue, decisions and the audit log."""
