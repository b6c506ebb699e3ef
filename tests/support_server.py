"""Run ``gangway serve`` (or ``gangway worker``) as a real subprocess for tests that need one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gangway_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "GANGWAY_DATABASE_URL": database_url,
        "GANGWAY_SECRET_KEY": TEST_SECRET,
        "GANGWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        **extra,
    }


@contextmanager
def running_server(
    database_url: str, *, worker: bool = False, log_path: Path | None = None, **env: str
) -> Iterator[str]:
    """Start ``gangway serve`` on a free port; yields its base URL; SIGTERM on exit."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "gangway.cli.main", "serve", "--port", str(port)]
    if not worker:
        args.append("--no-worker")
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        args,
        env=gangway_env(database_url, GANGWAY_PUBLIC_URL=base, **env),
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gangway serve did not start (exit {process.poll()})")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if log_path and log is not subprocess.DEVNULL:
            log.close()  # type: ignore[union-attr]
