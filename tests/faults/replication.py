"""A primary PostgreSQL with a synchronous streaming standby, for the failover test (issue 19).

Two servers of the test's own (:class:`tests.faults.postgres.OwnPostgres`), each on its own Unix
socket: the primary commits only once the standby has applied the commit
(``synchronous_standby_names = '*'``, ``synchronous_commit = remote_apply``), and the standby is
a ``pg_basebackup -R`` copy streaming from it. :meth:`Replicated.kill_primary` is the loss of the
primary's machine (SIGKILL to the postmaster and every backend, no shutdown checkpoint);
:meth:`Replicated.promote` is what Patroni or CloudNativePG do next (``pg_ctl promote``).

Cost: one ``initdb`` and one base backup of an empty cluster, 3-6 s on this machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from tests.faults.postgres import OwnPostgres

__all__ = ["Replicated", "multi_host_url"]


def multi_host_url(database: str, *servers: OwnPostgres) -> str:
    """A SQLAlchemy URL naming every server in order (one ``host=<socket dir>:<port>`` each, the
    form SQLAlchemy's asyncpg dialect takes), of which only a writable one is used (libpq's
    ``target_session_attrs=read-write``, which asyncpg understands too)."""
    hosts = "".join(f"host={server.socket_dir}:5432&" for server in servers)
    return f"postgresql+asyncpg://postgres@/{database}?{hosts}target_session_attrs=read-write"


def _children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the backends of a postmaster)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; the parent pid follows it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Replicated:
    """A running primary and its synchronous standby; :meth:`close` removes both."""

    def __init__(self) -> None:
        self.primary = OwnPostgres()
        self.standby = OwnPostgres(initialise=False)
        try:
            self.primary.configure(
                "wal_level = replica",
                "synchronous_standby_names = '*'",
                "synchronous_commit = remote_apply",
            )
            self.primary.start()
            self.standby.base_backup_of(self.primary)
            self.standby.start()
        except BaseException:
            self.close()
            raise

    def kill_primary(self) -> None:
        """SIGKILL the primary's postmaster and every one of its processes at once."""
        pid = int((self.primary.pgdata / "postmaster.pid").read_text().split()[0])
        backends = _children_of(pid)
        for victim in (pid, *backends):
            with contextlib.suppress(ProcessLookupError):  # already gone with its postmaster
                os.kill(victim, signal.SIGKILL)

    def promote(self) -> None:
        """``pg_ctl promote -w``: the standby becomes a primary that accepts writes."""
        self.standby.promote()

    def close(self) -> None:
        """Stop whatever still runs and remove both data directories."""
        self.standby.close()
        self.primary.close()
