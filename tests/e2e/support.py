"""Shared by the browser tests: Chromium launch, the app served in-process on a loopback port,
a phone-sized page, generated photos and screenshots."""

from __future__ import annotations

import asyncio
import io
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from PIL import Image, ImageDraw
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts"


def require_browser() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("GANGWAY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and GANGWAY_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed")


@asynccontextmanager
async def serve_app(
    build: Callable[[str], FastAPI], host: str = "localhost"
) -> AsyncIterator[tuple[str, FastAPI]]:
    """``build(base_url)`` served by Uvicorn in this event loop on a free loopback port.

    ``localhost`` is the default host because it is a valid WebAuthn RP id (an IP is not)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://{host}:{sock.getsockname()[1]}"
    application = build(base_url)
    server = uvicorn.Server(
        uvicorn.Config(application, log_config=None, lifespan="on", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server did not start")
            await asyncio.sleep(0.02)
        yield base_url, application
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    require_browser()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def phone_page(browser: Browser) -> tuple[BrowserContext, Page]:
    """A 360x740 page; the partner's return_url (partner.example) is answered by the test."""
    context = await browser.new_context(viewport=PHONE, locale="en-GB")
    await context.route(
        "https://partner.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Back</h1>"),
    )
    page = await context.new_page()
    page.on("console", lambda m: print("console:", m.type, m.text))
    page.on("pageerror", lambda e: print("page error:", e))
    return context, page


def photo(label: str, fmt: str = "JPEG") -> dict[str, Any]:
    """A camera-like image generated for an upload."""
    image = Image.new("RGB", (800, 500), (214, 226, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 260, 300), fill=(150, 170, 190))
    draw.text((300, 60), f"GANGWAY TEST {label}", fill=(20, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    mime = "image/jpeg" if fmt == "JPEG" else "image/png"
    return {"name": f"{label}.{fmt.lower()}", "mimeType": mime, "buffer": buffer.getvalue()}


async def shot(page: Page, folder: str, name: str) -> None:
    target = ARTIFACTS / folder if folder else ARTIFACTS
    target.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(target / f"{name}.png"), full_page=True)


async def continue_(page: Page) -> None:
    await page.get_by_role("button", name="Continue", exact=True).click()
