"""The hosted flow's fixtures (a flow client, an individual and its onboarding link) and the
back office's (logged-in staff browsers)."""

from tests.onboarding.conftest import flow, individual, link
from tests.review.conftest import admin, make_staff, reviewer

__all__ = ["admin", "flow", "individual", "link", "make_staff", "reviewer"]
