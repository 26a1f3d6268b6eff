"""Where the verifier reads a log from: a server over HTTP(S), or a directory, in one layout.

Both serve the C2SP ``tlog-tiles`` layout relative to a prefix: ``checkpoint`` (the signed
note), ``tile/<L>/<N>[.p/<W>]`` (hash tiles) and ``tile/entries/<N>[.p/<W>]`` (entry
bundles). A directory in that layout is what ``verify-log --download DIR`` writes and what any
static web server can publish. Standard library only: an auditor needs nothing else.
"""

from __future__ import annotations

import http.client
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from audit.errors import AuditError
from audit.tiled import Fetch

__all__ = [
    "API_LOG_PATH",
    "FetchError",
    "HttpFetch",
    "directory_fetch",
    "log_prefix_url",
    "saving",
    "write_file",
]

API_LOG_PATH: Final = "/api/v1/audit"
"""Where a Plenary server publishes its log, for URLs given as the server's address only."""

_TIMEOUT: Final = 30.0
_USER_AGENT: Final = "plenary-verify-log/1"


class FetchError(AuditError):
    """A file of the log could not be read: the server or the directory did not serve it."""


def log_prefix_url(url: str) -> str:
    """The log's prefix URL: ``url`` itself, or ``url`` + ``/api/v1/audit`` for a bare server.

    Refuses anything but ``http://`` and ``https://`` with a host.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchError(f"--url must be an http:// or https:// address, not {url!r}")
    path = parts.path.rstrip("/")
    if not path:
        path = API_LOG_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


class HttpFetch:
    """``GET <prefix>/<path>`` over one kept-alive connection; a :data:`audit.tiled.Fetch`.

    Reconnects once when the server closed the connection between requests. Any status but
    200 raises :class:`FetchError` naming the URL and the server's answer.
    """

    def __init__(self, prefix_url: str, timeout: float = _TIMEOUT) -> None:
        """Fetch below ``prefix_url`` (see :func:`log_prefix_url`)."""
        parts = urlsplit(log_prefix_url(prefix_url))
        self.prefix = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self._path = parts.path
        self._https = parts.scheme == "https"
        self._host = parts.netloc
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self.requests = 0

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._connection = kind(self._host, timeout=self._timeout)
        return self._connection

    def close(self) -> None:
        """Close the connection (a later fetch opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __call__(self, path: str) -> bytes:
        """The bytes at ``path`` below the prefix. Cost: one request."""
        url = f"{self.prefix}/{path}"
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(
                    "GET", f"{self._path}/{path}", headers={"User-Agent": _USER_AGENT}
                )
                response = connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise FetchError(f"{url}: the server closed the connection") from None
                continue
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise FetchError(f"{url}: {exc}") from None
            self.requests += 1
            if response.status != 200:
                detail = body[:300].decode("utf-8", "replace").strip()
                raise FetchError(f"{url}: HTTP {response.status} {detail}".rstrip())
            return body
        raise AssertionError("unreachable")


def directory_fetch(root: Path) -> Fetch:
    """A :data:`audit.tiled.Fetch` reading ``root/<path>``; a missing file is a FetchError."""

    def fetch(path: str) -> bytes:
        target = root / path
        try:
            return target.read_bytes()
        except OSError as exc:
            raise FetchError(f"{target}: {exc.strerror or exc}") from None

    return fetch


def write_file(root: Path, path: str, data: bytes) -> None:
    """Write ``root/<path>`` atomically (a temporary file renamed into place)."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def saving(fetch: Fetch, root: Path) -> Callable[[str], bytes]:
    """Wrap ``fetch`` so every file read is also written below ``root`` (a local mirror)."""

    def fetch_and_keep(path: str) -> bytes:
        data = fetch(path)
        write_file(root, path, data)
        return data

    return fetch_and_keep
