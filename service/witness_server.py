"""``plenary witness``: a tlog-witness HTTP server with its own key and state.

Anyone (a branch, an auditor) runs one beside the service or anywhere else:

    plenary witness --key witness.key --name witness.example/w1 \\
        --log LOG_VKEY --state witness-state --listen 127.0.0.1:7380

It answers ``POST /add-checkpoint`` (c2sp.org/tlog-witness) with a cosignature
(c2sp.org/tlog-cosignature) only for a checkpoint signed by a log key it was given and proven
consistent with the last checkpoint it cosigned for that log, and ``GET /checkpoint?origin=``
with that latest cosigned checkpoint's body. The key is generated on first run (file 0600) and
its verifier key printed, for auditors to pass as ``--witness``. Built on the standard
library's HTTP server: the witness runs without the service's database or web framework.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from audit.checkpoint import Checkpoint, format_checkpoint
from audit.errors import AuditError
from audit.note import Verifier, parse_verifier_key
from audit.witness import (
    CosignerKey,
    Reply,
    add_checkpoint,
    generate_cosigner_key,
    parse_add_checkpoint,
    parse_cosigner_key,
)
from audit.witness_state import FileWitnessState

__all__ = ["Witness", "add_arguments", "load_or_generate_key", "run", "serve"]

_MAX_BODY = 64 * 1024
_log = logging.getLogger("plenary.witness")


class Witness:
    """The witness's decision procedure bound to its key, the logs it follows and its state."""

    def __init__(
        self,
        key: CosignerKey,
        logs: list[Verifier],
        state: FileWitnessState,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key, self.state, self.clock = key, state, clock
        self.logs = {log.name: log for log in logs}

    def handle(self, body: bytes) -> Reply:
        """Answer one add-checkpoint request body, persisting a cosigned checkpoint first."""
        try:
            request = parse_add_checkpoint(body)
        except AuditError as exc:
            return Reply(400, "text/plain; charset=utf-8", f"{exc}\n".encode())
        origin = request.note.split("\n", 1)[0]

        def decide(stored: Checkpoint | None) -> tuple[Reply, Checkpoint | None]:
            reply = add_checkpoint(request, stored, self.logs, self.key, int(self.clock()))
            return reply, reply.cosigned

        if origin not in self.logs:
            return add_checkpoint(request, None, self.logs, self.key, int(self.clock()))
        return self.state.update(origin, decide)


def _handler(witness: Witness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "plenary-witness"

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            if urlsplit(self.path).path.rstrip("/").rsplit("/", 1)[-1] != "add-checkpoint":
                self._send(404, "text/plain", b"only POST /add-checkpoint\n")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= _MAX_BODY:
                self._send(400, "text/plain", b"a request body of at most 64 KiB is needed\n")
                return
            reply = witness.handle(self.rfile.read(length))
            if reply.status != 200:
                _log.warning(
                    "witness refused a checkpoint: %s %s",
                    reply.status,
                    reply.body.decode(errors="replace").strip()[:200],
                )
            self._send(reply.status, reply.content_type, reply.body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path.rstrip("/").rsplit("/", 1)[-1] != "checkpoint":
                self._send(404, "text/plain", b"GET /checkpoint?origin=ORIGIN\n")
                return
            origin = parse_qs(url.query).get("origin", [""])[0]
            latest = witness.state.latest(origin) if origin in witness.logs else None
            if latest is None:
                self._send(404, "text/plain", b"nothing cosigned for that origin\n")
                return
            self._send(200, "text/plain; charset=utf-8", format_checkpoint(latest).encode())

        def log_message(self, format: str, *args: object) -> None:
            _log.info("%s %s", self.address_string(), format % args)

    return Handler


def load_or_generate_key(path: Path, name: str | None) -> CosignerKey:
    """The witness key in ``path``, generated there (0600) on first run under ``name``."""
    if not path.exists():
        if name is None:
            raise SystemExit(f"{path} does not exist: give --name to generate a witness key")
        key = generate_cosigner_key(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key.key_string() + "\n")
        return key
    return parse_cosigner_key(path.read_text(encoding="ascii").strip())


def serve(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server for ``witness`` bound to ``host:port`` (call ``serve_forever``)."""
    return ThreadingHTTPServer((host, port), _handler(witness))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", required=True, type=Path, help="the witness's private key file")
    parser.add_argument("--name", help="the witness's name, to generate its key on first run")
    parser.add_argument(
        "--log",
        action="append",
        required=True,
        metavar="VKEY",
        help="the verifier key of a log to witness (repeatable; a file holding it also works)",
    )
    parser.add_argument("--state", required=True, type=Path, help="the witness's state directory")
    parser.add_argument("--listen", default="127.0.0.1:7380", metavar="HOST:PORT")


def _read_key(text: str) -> str:
    path = Path(text)
    return path.read_text(encoding="ascii").strip() if "+" not in text and path.is_file() else text


def run(args: argparse.Namespace) -> int:
    """``plenary witness``: print the witness's verifier key, then serve until interrupted."""
    try:
        key = load_or_generate_key(args.key, args.name)
        logs = [parse_verifier_key(_read_key(k).strip()) for k in args.log]
    except (OSError, AuditError) as exc:
        print(f"plenary witness: {exc}", file=sys.stderr)
        return 2
    host, _, port = args.listen.rpartition(":")
    server = serve(Witness(key, logs, FileWitnessState(args.state)), host, int(port))
    print(key.verifier().key_string(), flush=True)
    print(f"witnessing {', '.join(log.name for log in logs)} on http://{args.listen}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
