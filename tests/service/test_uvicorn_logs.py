"""``plenary serve`` writes uvicorn's own lines as JSON, like the service's, and a real server's
request lines carry the request id."""

from __future__ import annotations

import asyncio
import json
import logging
import logging.config
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from service.deployment_keys import create_keys
from service.settings import Settings
from service.uvicorn_logs import uvicorn_log_config
from tests.voting.test_durability import ROOT, _free_port, _until_ready

UVICORN_SAYS = ("Started server process", "Application startup complete", "Uvicorn running on")


def test_the_log_config_renders_uvicorn_lines_as_json(capfd: pytest.CaptureFixture[str]) -> None:
    saved = {
        name: (logger.handlers[:], logger.level, logger.propagate)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        for logger in [logging.getLogger(name)]
    }
    try:
        logging.config.dictConfig(uvicorn_log_config("INFO"))
        logging.getLogger("uvicorn.error").info("Uvicorn running on %s", "http://127.0.0.1:1")
        logging.getLogger("uvicorn.error").debug("not at INFO")
    finally:
        for name, (handlers, level, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers, logger.propagate = handlers, propagate
            logger.setLevel(level)
    err = capfd.readouterr().err
    (line,) = [json.loads(text) for text in err.splitlines() if text.strip()]
    assert line["event"] == "Uvicorn running on http://127.0.0.1:1"
    assert line["level"] == "info"
    assert "timestamp" in line


@contextmanager
def serving(settings: Settings, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``plenary serve`` at INFO on ``port``, its output in ``log``; killed on the way out
    if it has not stopped by then."""
    assert settings.database_url is not None
    create_keys(settings)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "PLENARY_DATA_DIR": str(settings.data_dir),
        "PLENARY_LOG_LEVEL": "INFO",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def test_plenary_serve_writes_uvicorns_lines_as_json(
    settings: Settings, tmp_path: Path
) -> None:
    port, log = _free_port(), tmp_path / "serve.log"
    with serving(settings, port, log) as process:
        url = f"http://127.0.0.1:{port}"
        await _until_ready(url, process, log)
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            answer = await client.get("/api/v1/me", headers={"X-Request-ID": "from-the-proxy"})
        assert answer.status_code == 401
        assert answer.headers["X-Request-ID"] == "from-the-proxy"
        process.send_signal(signal.SIGTERM)
        for _ in range(200):  # uvicorn stops within its 10 s graceful shutdown
            if process.poll() is not None:
                break
            await asyncio.sleep(0.1)
    text = log.read_text()
    assert "INFO:" not in text  # uvicorn's own text format
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    events = [str(line["event"]) for line in lines]
    for said in (*UVICORN_SAYS, "Shutting down"):
        assert any(event.startswith(said) for event in events), (said, text)
    (request,) = [line for line in lines if line["event"] == "request"]
    assert request["request_id"] == "from-the-proxy"
    assert request["status"] == 401
    refused = [line for line in lines if str(line["event"]).startswith("refused 401")]
    assert [line["request_id"] for line in refused] == ["from-the-proxy"]
