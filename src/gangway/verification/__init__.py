"""Identity verification: reading the document, matching the selfie, judging photo quality."""
