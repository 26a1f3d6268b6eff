"""Debian's PgBouncer in transaction mode in front of a PostgreSQL server of the test's own.

Transaction mode hands each transaction whichever server connection is free, so a statement
asyncpg prepared on one is unknown on the next: the service must run with
``PLENARY_DB_STATEMENT_CACHE_SIZE=0``. PgBouncer will not run as root; as root it runs as the
embedded server's system user, like the server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.deploy.debian import program
from tests.faults.postgres import OwnPostgres
from tests.voting.test_durability import _free_port

__all__ = ["pgbouncer_in_front"]

_INI = """\
[databases]
* = host={socket_dir} port=5432 user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {base}/users.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
logfile = {base}/pgbouncer.log
pidfile = {base}/pgbouncer.pid
"""


@contextmanager
def pgbouncer_in_front(server: OwnPostgres) -> Iterator[int]:
    """PgBouncer (transaction mode) for ``server``; yields its TCP port on 127.0.0.1."""
    pgbouncer = program("pgbouncer", "pgbouncer")
    base = Path(tempfile.mkdtemp(prefix="plenary-pgbouncer-"))
    base.chmod(0o777)
    port = _free_port()
    (base / "users.txt").write_text('"postgres" ""\n')
    (base / "pgbouncer.ini").write_text(
        _INI.format(socket_dir=server.socket_dir, port=port, base=base)
    )
    user = "embedded_postgres" if os.geteuid() == 0 else None
    process = subprocess.Popen(
        [str(pgbouncer), str(base / "pgbouncer.ini")],
        user=user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "pgbouncer did not start in 10 s"
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)
