"""Schemathesis hooks for tests/fuzz (loaded through ``SCHEMATHESIS_HOOKS``).

Some rules of the API cannot be written in JSON Schema; the document states them in words and,
where it can, with a format name. These strategies teach Schemathesis to generate values that
keep them, so that "a schema-valid request must be accepted" tests what the schema promises:

- ``format: phone``: a *possible* number for its region (libphonenumber), digits only;
- ``format: date`` (the only date input is ``date_of_birth``): in the past, not before 1900;
- ``format: wcag-aa-color`` and ``format: png-base64`` (the branding): a dark enough colour,
  a small real PNG;
- ``format: uri`` (webhook URLs, return URLs, the branding's support URL): the server resolves
  a webhook host, and the test machine is offline, so URLs point at loopback, which the test
  server allows
  (``GANGWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS``; a sandbox accepts ``http`` return URLs there).
"""

from __future__ import annotations

from datetime import date, timedelta

import phonenumbers
import schemathesis
from hypothesis import strategies as st

_REGIONS = ("SE", "NO", "DK", "FI", "DE", "FR", "GB", "US", "ES", "NL")
_PHONES = [
    phonenumbers.format_number(
        phonenumbers.example_number_for_type(region, kind), phonenumbers.PhoneNumberFormat.E164
    ).removeprefix("+")
    for region in _REGIONS
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
]

_EARLIEST = date(1900, 1, 1)
_LATEST = date.today() - timedelta(days=1)

schemathesis.openapi.format(
    "phone", st.sampled_from(_PHONES).flatmap(lambda n: st.sampled_from([n, "+" + n]))
)
schemathesis.openapi.format(
    "date", st.dates(min_value=_EARLIEST, max_value=_LATEST).map(date.isoformat)
)
schemathesis.openapi.format(
    "uri",
    st.builds(
        "http://{}:{}/{}".format,
        st.sampled_from(["127.0.0.1", "localhost"]),
        st.integers(min_value=1024, max_value=65535),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/", max_size=30),
    ),
)


def _aa_colors() -> st.SearchStrategy[str]:
    """``format: wcag-aa-color``: ``#rrggbb`` with 4.5:1 against the page and the button text
    (the server's own rule, ``branding.service.color_problem``)."""
    from gangway.branding.service import color_problem

    channel = st.integers(min_value=0, max_value=150)
    colors = st.tuples(channel, channel, channel).map(lambda c: "#{:02x}{:02x}{:02X}".format(*c))
    return colors.filter(lambda c: color_problem(c.lower()) is None)


def _png_base64(size: tuple[int, int], shade: int) -> str:
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (shade, 80, 120)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


schemathesis.openapi.format("wcag-aa-color", _aa_colors())
# ``format: png-base64`` (the branding logo): a small real PNG, base64-encoded.
schemathesis.openapi.format(
    "png-base64",
    st.builds(
        _png_base64,
        st.tuples(st.integers(16, 64), st.integers(16, 64)),
        st.integers(0, 255),
    ),
)
