"""Signing the log's checkpoints shortly after entries arrive, and on demand.

Each service process runs one :class:`Checkpointer` in the app's lifespan. Once a second it
compares the committed size with the latest checkpoint and, when the log has grown, signs
under the database's advisory lock (``audit.store_checkpoints``): with several processes on
one database one of them signs and the others step aside, and nothing that matters is held in
memory. At startup it first logs a newly generated or changed key (``service.log_signing``)
and signs, in one transaction, so the key's entry is covered by the key's first checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Final

import httpx
from litestar import Litestar
from prometheus_client import Counter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from audit.merkle import Hash
from audit.store_checkpoints import (
    SIGNING_LOCK,
    LogIntegrityError,
    SigningRefused,
    StoredCheckpoint,
    add_cosignatures,
    latest_checkpoint,
    sign_checkpoint_if_grown,
    signers_record,
)
from audit.store_proofs import consistency_proof
from service.database import engine_options
from service.log_signing import LogKey, ensure_log_key, log_key_event, signed_by
from service.settings import Settings
from service.witnessing import ConfiguredWitness, parse_witnesses, request_cosignature

__all__ = ["POLL_SECONDS", "Checkpointer", "audit_log_lifespan"]

WITNESS_RETRY_SECONDS: Final = 30.0
"""How long a witness that was down or refused is left before it is asked again."""

WITNESS_TIMEOUT_SECONDS: Final = 10.0

POLL_SECONDS: Final = 1.0
"""How often each process looks for entries not yet covered by a checkpoint."""

_STOP_SECONDS: Final = 5.0

_GROWN = text(
    "SELECT (SELECT size FROM audit_head WHERE id = 1) AS size, "
    "(SELECT max(size) FROM audit_checkpoint) AS signed"
)

_log = logging.getLogger("plenary.audit")

SIGNING_REFUSED: Final = Counter(
    "plenary_audit_log_signing_refused",
    "Times the log's signer refused to sign a tree that does not extend what it last signed",
)


def refused(exc: SigningRefused) -> None:
    """Count a refusal and log it as one WARNING line (the operator must investigate)."""
    SIGNING_REFUSED.inc()
    _log.warning("audit log signing refused, serving the last good checkpoint: %s", exc)


class Checkpointer:
    """Signs checkpoints of the log for one service process; holds no state that matters."""

    def __init__(
        self,
        engine: AsyncEngine,
        key: LogKey,
        origin: str,
        witnesses: Sequence[ConfiguredWitness] = (),
    ) -> None:
        """Sign with ``key`` under ``origin``, using sessions on ``engine``; send each new
        checkpoint to ``witnesses`` and keep their cosignatures on it."""
        self.key = key
        self.origin = origin
        self.witnesses = list(witnesses)
        self._witnessed: dict[str, int] = {}
        self._retry_at: dict[str, float] = {}
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._announce_new_key = key.generated
        self._prepared = False
        self._reported: str | None = None

    async def prepare(self) -> StoredCheckpoint:
        """Log a newly generated or changed key, then sign, all in one transaction.

        A key is new when this process generated it or the log has never been signed (a key
        made beforehand by ``plenary keys create``), and "changed" when the latest checkpoint
        carries no signature by it. Runs under the signing lock, so processes starting
        together log it once.
        """
        async with self._sessions() as session:
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SIGNING_LOCK})
            latest = await latest_checkpoint(session)
            if latest is None:
                await log_key_event(session, self.key, rotated=False)
            elif not signed_by(latest.note, self.key.signer):
                await log_key_event(session, self.key, rotated=not self._announce_new_key)
            signed = await sign_checkpoint_if_grown(session, self.key.signer, self.origin)
        self._announce_new_key = False
        self._prepared = True
        return signed

    async def sign(self, session: AsyncSession) -> StoredCheckpoint:
        """Sign now if the log has grown (waiting for another signer), committing ``session``.

        Returns the latest checkpoint. When the log has not grown this takes no lock, so
        readers never queue behind a signer. Raises :class:`LogIntegrityError` when the stored
        log does not extend the last checkpoint.
        """
        row = (await session.execute(_GROWN)).one()
        if row.signed is not None and int(row.size or 0) <= row.signed:
            latest = await latest_checkpoint(session)
            if latest is not None:
                return latest
        signed = await sign_checkpoint_if_grown(session, self.key.signer, self.origin)
        return signed

    def last_good(self) -> StoredCheckpoint | None:
        """The last checkpoint this signer signed, from its own record beside its key."""
        return signers_record(self.key.signer)

    async def tick(self) -> StoredCheckpoint | None:
        """One background round: sign if the log has grown and no other process is signing.

        Cost when nothing changed: one query of two primary-key reads.
        """
        if not self._prepared:
            return await self.prepare()
        async with self._sessions() as session:
            row = (await session.execute(_GROWN)).one()
            size, signed = int(row.size or 0), row.signed
            if signed is not None and size <= signed:
                return None
            return await sign_checkpoint_if_grown(session, self.key.signer, self.origin, wait=False)

    async def witness(self, client: httpx.AsyncClient) -> None:
        """Send the latest checkpoint to each witness that has not cosigned it; keep the lines.

        A witness that is down or refuses is tried again after :data:`WITNESS_RETRY_SECONDS`.
        Cost when every witness is up to date: one index read.
        """
        if not self.witnesses:
            return
        async with self._sessions() as session:
            latest = await latest_checkpoint(session)
        if latest is None:
            return
        now = time.monotonic()
        lines = []
        for witness in self.witnesses:
            name = witness.key.name
            if self._witnessed.get(name, -1) >= latest.size or self._retry_at.get(name, 0) > now:
                continue
            line = await request_cosignature(
                client, witness, latest.note, latest.size, self._prove, self._witnessed.get(name, 0)
            )
            if line is None:
                self._retry_at[name] = now + WITNESS_RETRY_SECONDS
                continue
            self._witnessed[name] = latest.size
            lines.append(line)
        if lines:
            async with self._sessions() as session:
                await add_cosignatures(session, latest.size, lines)

    async def _prove(self, old_size: int, new_size: int) -> list[Hash]:
        async with self._sessions() as session:
            return await consistency_proof(session, old_size, new_size)

    async def run(self, stop: asyncio.Event) -> None:
        """Tick every :data:`POLL_SECONDS` until ``stop`` is set; never raises.

        A log that fails its integrity check is reported once per distinct problem (it is
        for a person to investigate); a database that cannot be reached is retried, and
        reported once per distinct error.
        """
        async with httpx.AsyncClient(timeout=WITNESS_TIMEOUT_SECONDS) as client:
            await self._run(stop, client)

    async def _run(self, stop: asyncio.Event, client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            try:
                await self.tick()
                await self.witness(client)
                self._reported = None
            except SigningRefused as exc:
                if str(exc) != self._reported:  # counted every round, logged once
                    refused(exc)
                    self._reported = str(exc)
                else:
                    SIGNING_REFUSED.inc()
            except LogIntegrityError as exc:
                if str(exc) != self._reported:
                    _log.error("not signing the audit log: %s", exc)
                    self._reported = str(exc)
            except Exception as exc:  # the database may be restarting: try again next round
                if repr(exc) != self._reported:
                    _log.warning("audit log checkpoint not signed (retrying each second): %r", exc)
                    self._reported = repr(exc)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL_SECONDS)


@asynccontextmanager
async def audit_log_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Load (or generate) the log's key, log it, sign, and keep signing while the app runs.

    Puts the :class:`Checkpointer` in ``app.state.audit_log`` for the audit routes. A key
    that cannot be used stops startup with its reason; a database that cannot be reached
    does not (the background task keeps trying, and ``/ready`` reports the database).
    """
    settings: Settings = app.state.settings
    key = ensure_log_key(settings)
    parse_witnesses(settings.witnesses)  # a bad list stops startup, naming the entry
    database_url = settings.database
    engine = create_async_engine(
        database_url, pool_size=2, max_overflow=0, **engine_options(settings)
    )
    witnesses = parse_witnesses(settings.witnesses)
    checkpointer = Checkpointer(engine, key, settings.log_origin, witnesses)
    app.state.audit_log = checkpointer
    try:
        await checkpointer.prepare()
    except Exception as exc:
        _log.warning("audit log not signed at startup (will retry every second): %r", exc)
    stop = asyncio.Event()
    task = asyncio.create_task(checkpointer.run(stop), name="audit-log-checkpointer")
    try:
        yield
    finally:
        stop.set()
        with suppress(TimeoutError):  # a round stuck on the database is cancelled
            await asyncio.wait_for(task, timeout=_STOP_SECONDS)
        await engine.dispose()
