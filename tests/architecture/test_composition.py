"""The composition root lists everything that runs; nothing registers itself at import time."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import subprocess
import sys
from typing import Any

from gangway import bootstrap
from gangway.bootstrap import build_services
from gangway.flow.definitions import FLOWS, ONBOARDING
from gangway.observability import ConsoleFormatter, JsonFormatter
from gangway.onboarding.service import ONBOARDING_STEPS
from gangway.webhooks import fanout
from tests.conftest import ROOT, make_settings


def test_every_module_imports_without_side_effects_on_the_composition() -> None:
    """Importing every module of the package changes no list the composition root built."""
    before = (bootstrap.ROUTES, bootstrap.PERIODIC_JOBS, dict(bootstrap.HTML_ERROR_PAGES))
    import gangway

    for module in pkgutil.walk_packages(gangway.__path__, "gangway."):
        if module.name != "gangway.cli.main":
            importlib.import_module(module.name)
    assert (bootstrap.ROUTES, bootstrap.PERIODIC_JOBS, dict(bootstrap.HTML_ERROR_PAGES)) == before


def test_the_subscribers_are_on_every_unit_of_work(database_url: str) -> None:
    plain = build_services(make_settings(database_url))
    assert plain.sessions.kw["info"]["event_subscribers"] == (fanout.create_deliveries,)
    assert plain.read_sessions.kw["info"]["event_subscribers"] == (fanout.create_deliveries,)
    # Automatic approval subscribes to events only without identity verification; with it, the
    # verification job approves once the report is in.
    unverified = make_settings(database_url, auto_approve_low_risk=True, verification_engine="off")
    assert len(build_services(unverified).sessions.kw["info"]["event_subscribers"]) == 2
    verified = make_settings(database_url, auto_approve_low_risk=True)
    assert len(build_services(verified).sessions.kw["info"]["event_subscribers"]) == 1


def test_a_port_is_swapped_by_building_services_with_a_fake(database_url: str) -> None:
    from gangway.onboarding.sms import FakeSmsSender

    fake = FakeSmsSender()
    assert build_services(make_settings(database_url), sms_sender=fake).sms_sender is fake


def test_the_onboarding_flow_asks_for_the_steps_the_submission_needs() -> None:
    assert ONBOARDING.before_review == ONBOARDING_STEPS
    for definition in FLOWS.values():
        assert definition.names[-1] == "review"
        assert {group.step for group in definition.review} <= set(definition.names)


def test_the_layers_contract_holds() -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 and "No such file" in result.stderr:  # pragma: no cover
        result = subprocess.run(
            [sys.executable, "-m", "importlinter.cli"], cwd=ROOT, capture_output=True, text=True
        )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout


def _record(name: str, msg: str, **extra: Any) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": name, "msg": msg, "levelname": "INFO", **extra})
    return record


def test_console_logs_are_one_short_line_per_request() -> None:
    record = _record(
        "gangway.http",
        "request",
        request_id="3f2a9c1e0b7d4e21",
        method="POST",
        route="/v3/individuals",
        status=201,
        duration_ms=12.4,
    )
    line = ConsoleFormatter().format(record)
    assert line.endswith("201 POST /v3/individuals  12.4 ms  3f2a9c1e")
    assert "\n" not in line
    assert '"route": "/v3/individuals"' in JsonFormatter().format(record)


def test_the_log_format_follows_the_terminal_unless_set(database_url: str) -> None:
    assert make_settings(database_url, log_format="json").logs_as_json
    assert not make_settings(database_url, log_format="console").logs_as_json
    # Under pytest stderr is captured (not a terminal): JSON, as in production.
    assert make_settings(database_url, log_format=None).logs_as_json is not sys.stderr.isatty()
