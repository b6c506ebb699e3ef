"""Prometheus metrics of webhook delivery (exposed on ``/metrics`` with the rest)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from gangway.observability import REGISTRY

ATTEMPTS = Counter(
    "gangway_webhook_attempts_total", "Webhook HTTP attempts made", registry=REGISTRY
)
SUCCESSES = Counter(
    "gangway_webhook_deliveries_succeeded_total", "Deliveries that got a 2xx", registry=REGISTRY
)
FAILURES = Counter(
    "gangway_webhook_attempts_failed_total",
    "Failed attempts, by kind (http, network, refused)",
    ["kind"],
    registry=REGISTRY,
)
GIVEN_UP = Counter(
    "gangway_webhook_deliveries_failed_total",
    "Deliveries marked failed (schedule exhausted, 410, endpoint disabled)",
    registry=REGISTRY,
)
LATENCY = Histogram(
    "gangway_webhook_delivery_latency_seconds",
    "From event creation to the successful delivery",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30, 300, 3600, 36000, 100000),
    registry=REGISTRY,
)
OLDEST_DUE_AGE = Gauge(
    "gangway_webhook_oldest_due_delivery_age_seconds",
    "How long the oldest due delivery has been waiting (0 when none is due)",
    registry=REGISTRY,
)
