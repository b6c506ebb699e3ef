"""The SMS adapters against a real HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from gangway.config import Settings
from gangway.onboarding.sms import ConsoleSmsSender, HttpSmsSender, SmsError, sms_sender_for


@dataclass
class Provider:
    url: str
    status: int = 202
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    state = Provider(url="")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {
            k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        state.requests.append({"line": lines[0], "headers": headers, "json": json.loads(body)})
        writer.write(
            f"HTTP/1.1 {state.status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state.url = f"http://127.0.0.1:{port}/messages"
    async with server:
        yield state


async def test_http_adapter_posts_the_message_with_its_token(provider: Provider) -> None:
    await HttpSmsSender(provider.url, "sms-secret").send("46701234567", "Your code is 123456")
    [request] = provider.requests
    assert request["line"] == "POST /messages HTTP/1.1"
    assert request["headers"]["authorization"] == "Bearer sms-secret"
    assert request["json"] == {"to": "+46701234567", "text": "Your code is 123456"}


async def test_http_adapter_reports_provider_failures(provider: Provider) -> None:
    provider.status = 500
    with pytest.raises(SmsError):
        await HttpSmsSender(provider.url, None).send("46701234567", "x")
    with pytest.raises(SmsError):
        await HttpSmsSender("http://127.0.0.1:9/none", None, timeout=2).send("46701234567", "x")


def test_adapter_is_chosen_by_settings() -> None:
    configured = Settings(sms_http_url="https://sms.example/send", sms_http_token="t")
    assert isinstance(sms_sender_for(configured), HttpSmsSender)
    assert isinstance(sms_sender_for(Settings()), ConsoleSmsSender)
