"""The security tests reuse the flow's and the back office's fixtures."""

from tests.onboarding.conftest import flow, individual, link
from tests.review.conftest import admin, make_staff, reviewer, submitted

__all__ = ["admin", "flow", "individual", "link", "make_staff", "reviewer", "submitted"]
