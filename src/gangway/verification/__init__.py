"""Identity verification: the engine port, the runs and their reports, and the worker job.

``engine/`` is the built-in, self-contained engine (images in, a report out); the rest is the
domain around it: which photos and claims a submission gives the engine, the runs queued after a
submission (or an identity-verification consent), and how a report becomes checks a reviewer reads.
"""
