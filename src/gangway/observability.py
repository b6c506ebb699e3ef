"""Structured logs and Prometheus metrics.

Logs never carry tokens, query strings, request bodies or personal data: request logs name the
route template (``/v3/individuals/{individual_id}``), never the concrete path's query.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "gangway_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
HTTP_LATENCY = Histogram(
    "gangway_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
EVENTS_RECORDED = Counter(
    "gangway_events_recorded_total", "Events written to the outbox", ["name"], registry=REGISTRY
)
LOGIN_FAILURES = Counter("gangway_login_failures_total", "Failed partner logins", registry=REGISTRY)
RATE_LIMITED = Counter(
    "gangway_rate_limited_total", "Requests refused by the rate limiter", registry=REGISTRY
)
DB_UP = Gauge(
    "gangway_database_up", "1 when the last readiness check reached the database", registry=REGISTRY
)

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class ConsoleFormatter(logging.Formatter):
    """One short line per record for a person at a terminal (``make run``).

    A request: ``10:42:07  201 POST /v3/individuals  12.4 ms  3f2a9c1e``; anything else:
    ``10:42:07 WARNING gangway.sms  message  key=value ...``. The same fields as the JSON lines,
    so nothing the JSON format leaves out appears here.
    """

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        fields = {
            k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")
        }
        if record.name == "gangway.http" and "route" in fields:
            line = (
                f"{when}  {fields.pop('status', '')} {fields.pop('method', '')} "
                f"{fields.pop('route')}  {fields.pop('duration_ms', '')} ms  "
                f"{str(fields.pop('request_id', ''))[:8]}"
            )
        else:
            line = f"{when} {record.levelname} {record.name}  {record.getMessage()}"
        if fields:
            line += "  " + " ".join(f"{k}={v}" for k, v in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log prints full URLs, query strings (tokens) included; ours replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    # Drivers and clients log SQL parameters, URLs and headers at DEBUG (personal data, tokens):
    # they stay at WARNING whatever the level asked for.
    for name in (
        "aiosqlite",
        "sqlalchemy",
        "asyncpg",
        "httpx",
        "httpcore",
        "multipart",
        "python_multipart",
        "PIL",
        "webauthn",
        "alembic",
    ):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log for scrapes."""


def serve_metrics(port: int, host: str = "127.0.0.1") -> WSGIServer:
    """Serve ``/metrics`` (only) from :data:`REGISTRY` on ``host:port`` in a daemon thread.

    For ``gangway serve --metrics-port``: a scraper on the same host (or a sidecar) reads the
    metrics without them being reachable through the public port. Other paths answer 404.
    """
    metrics_app = make_wsgi_app(REGISTRY)

    def only_metrics(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found\n"]
        return metrics_app(environ, start_response)

    server = make_server(host, port, only_metrics, ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
