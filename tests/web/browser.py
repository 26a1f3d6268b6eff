"""Driving Debian's Chromium with Playwright: a real server on a loopback port, a browser,
axe-core on every page, screenshots as artefacts.

Chromium is ``/usr/bin/chromium`` (``make browser`` installs it when missing); axe-core comes
from the npm registry into ``.plenary/node`` (also ``make browser``). Without either, the
browser tests skip and say why. Playwright's own browser download is never used.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from litestar import Litestar

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".plenary" / "node" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-quic",
]
TIMEOUT_MS = 15_000

# The two screens every page is checked on: a desktop and a 390 px phone.
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
"""The longest any one browser step may take before the test fails."""

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return "no Chromium at /usr/bin/chromium: run `make browser` (apt-get install chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed: pip install playwright"
    if not AXE.exists():
        return f"axe-core is not at {AXE}: run `make browser` (npm install axe-core)"
    return None


async def serve(app: Litestar) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on a free loopback port in this event loop; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    if task.done():
        task.result()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        sock.close()


async def check_page(page: Any, name: str) -> None:
    """Run axe-core (WCAG 2.2 A and AA rules) on the page and fail on any serious or critical
    violation; save a full-page screenshot as ``test-artifacts/web/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    report = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in bad
    ]
    assert not bad, f"{name}: accessibility violations:\n{json.dumps(report, indent=1)}"


def skip_without_browser() -> None:
    """Skip the calling test, saying why, when Chromium, Playwright or axe-core is missing."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
