"""The ``gangway`` command, one module per area."""
