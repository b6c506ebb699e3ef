"""Retention: what is no longer needed is deleted on a schedule (see ``purges``)."""
