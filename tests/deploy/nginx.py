"""Debian's nginx running the bundled proxy configuration (deploy/nginx/) on a free port.

The server block is ``deploy/nginx/plenary.conf.template`` with its two ``${…}`` variables
filled in, as the official image's entrypoint fills them in docker-compose.yml; only the
wrapper around it (where nginx keeps its pid, logs and temporary files) is the test's.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from string import Template

from tests.deploy.debian import program
from tests.voting.test_durability import _free_port

__all__ = ["TEMPLATE", "nginx_in_front"]

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "plenary.conf.template"

_MAIN = """\
daemon off;
worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {base}/access.log;
    client_body_temp_path {base}/body;
    proxy_temp_path {base}/proxy;
    fastcgi_temp_path {base}/fastcgi;
    uwsgi_temp_path {base}/uwsgi;
    scgi_temp_path {base}/scgi;
    include {base}/plenary.conf;
}}
"""


def render(upstream: str, port: int) -> str:
    """The bundled server block for ``upstream`` (``host:port``), listening on ``port``."""
    return Template(TEMPLATE.read_text()).safe_substitute(
        PLENARY_UPSTREAM=upstream, PLENARY_PROXY_PORT=str(port)
    )


@contextmanager
def nginx_in_front(upstream: str) -> Iterator[str]:
    """nginx forwarding to ``upstream``; yields its base URL; stopped on the way out."""
    nginx = program("nginx", "nginx-light")
    base = Path(tempfile.mkdtemp(prefix="plenary-nginx-"))
    port = _free_port()
    (base / "plenary.conf").write_text(render(upstream, port))
    (base / "nginx.conf").write_text(_MAIN.format(base=base))
    process = subprocess.Popen(
        [str(nginx), "-c", str(base / "nginx.conf"), "-p", str(base)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while not (base / "nginx.pid").exists():
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "nginx did not start in 10 s"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)
