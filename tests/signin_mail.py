"""A real SMTP server for tests: aiosmtpd in this process, on a free loopback port, keeping
every message it receives so a test can read the mail a member would get."""

from __future__ import annotations

import asyncio
import email
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["MailServer", "code_in", "free_port", "mail_server", "settings_sending_to"]

_HANG_SECONDS = 30.0
_CODE = re.compile(r"code=([0-9A-Z]{10})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MailServer:
    """What the server received, and where it listens."""

    port: int
    received: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    async def wait_for(self, count: int) -> list[Message]:
        """The first ``count`` messages, waiting for them (the bound only catches a hang)."""
        deadline = time.monotonic() + _HANG_SECONDS
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"only {len(self.received)} of {count} mails came"
            await asyncio.sleep(0.02)
        return self.received[:count]


def code_in(message: Message) -> str:
    """The sign-in code a mail's link carries."""
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = _CODE.search(body.decode())
    assert found, body
    return found.group(1)


@contextmanager
def mail_server(port: int | None = None) -> Iterator[MailServer]:
    """An SMTP server on 127.0.0.1 for the ``with`` block."""
    server = MailServer(port=port or free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def settings_sending_to(server: MailServer, data_dir: Path, database_url: str, **extra: str) -> Any:
    """Test settings (rate limits off) whose mail goes to ``server`` over plain SMTP."""
    from service.settings import Settings
    from tests.conftest import without_rate_limits

    smtp = {
        "PLENARY_SMTP_HOST": "127.0.0.1",
        "PLENARY_SMTP_PORT": str(server.port),
        "PLENARY_SMTP_SECURITY": "none",
    }
    return without_rate_limits(
        Settings(data_dir=data_dir, database_url=database_url, extra={**smtp, **extra})
    )
