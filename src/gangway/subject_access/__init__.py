"""Subject access: everything Gangway holds about one individual, as one ZIP (``export``)."""
