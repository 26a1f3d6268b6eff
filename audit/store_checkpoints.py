"""Signing checkpoints of the PostgreSQL log: never two roots for one size, never a fork.

:func:`sign_checkpoint_if_grown` is the only writer of ``audit_checkpoint``. Under one
transaction-scoped advisory lock (so any number of service processes may call it) it reads the
committed size and the latest checkpoint; if the log has not grown it returns that checkpoint.
Otherwise, before signing the new root it proves to itself that the log only grew:

1. the stored hashes at the old size's right edge fold to the old *signed* root;
2. a consistency proof generated from the stored hashes verifies from the old signed root to
   the new root (RFC 9162 §2.1.4.2), as any auditor will check it;
3. every stored hash written since the old checkpoint is recomputed from the entries' bytes
   (RFC 6962 §2.1), so a root is only ever signed over entries that produce it.

Any failure raises :class:`LogIntegrityError` and nothing is signed. The size is the table's
primary key, so a second root for a size cannot be stored even by a writer that skipped the
lock.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Final, Literal, overload

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from audit.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from audit.errors import AuditError, StoreError
from audit.last_signed import RecordError, read_last_signed, write_last_signed
from audit.merkle import EMPTY_ROOT, Hash, as_hash, leaf_hashes
from audit.note import Signer
from audit.proofs import check_consistency, consistency_proof_from_hashes, consistency_proof_indexes
from audit.store import (
    audit_checkpoint,
    log_size,
    read_entry_rows,
    read_hash_range,
    read_hashes,
)
from audit.stored import (
    append_indexes,
    hashes_to_store_from,
    stored_hash_count,
    tree_hash_from_hashes,
    tree_hash_indexes,
)

__all__ = [
    "CHECK_CHUNK",
    "LogIntegrityError",
    "SigningRefused",
    "StoredCheckpoint",
    "add_cosignatures",
    "checkpoint_at",
    "latest_checkpoint",
    "sign_checkpoint_if_grown",
]

SIGNING_LOCK: Final = 0x706C656E_6C6F6763
"""The advisory lock every checkpoint signer takes (``'plenlogc'``)."""

CHECK_CHUNK: Final = 16384
"""Entries re-hashed per read while checking what was appended since the last checkpoint."""


class LogIntegrityError(StoreError):
    """The stored log does not extend its last signed checkpoint; nothing was signed."""


class SigningRefused(LogIntegrityError):
    """The stored log does not extend what the signer itself last signed (its own record,
    outside the database); nothing was signed. ``last_good`` is that record's checkpoint."""

    def __init__(self, message: str, last_good: StoredCheckpoint | None) -> None:
        super().__init__(message)
        self.last_good = last_good


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A signed checkpoint as stored: its size, root and the signed note, verbatim."""

    size: int
    root: Hash
    note: str


def _note_body(note: str) -> Checkpoint:
    return parse_checkpoint(note[: note.index("\n\n") + 1])


def _row(size: int, root: bytes, note: str) -> StoredCheckpoint:
    checkpoint = _note_body(note)
    if checkpoint.size != size or not hmac.compare_digest(checkpoint.root_hash, root):
        raise LogIntegrityError(
            f"stored checkpoint {size} disagrees with its own signed note (size "
            f"{checkpoint.size}): the audit_checkpoint table was altered"
        )
    return StoredCheckpoint(int(size), as_hash(root, "checkpoint root"), note)


async def latest_checkpoint(session: AsyncSession) -> StoredCheckpoint | None:
    """The checkpoint of the largest size signed so far, or None. Cost: one index read."""
    row = (
        await session.execute(
            select(audit_checkpoint.c.size, audit_checkpoint.c.root, audit_checkpoint.c.note)
            .order_by(audit_checkpoint.c.size.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else _row(row.size, row.root, row.note)


async def checkpoint_at(session: AsyncSession, size: int) -> StoredCheckpoint | None:
    """The checkpoint signed at exactly ``size``, if there is one. Cost: one index read."""
    row = (
        await session.execute(
            select(audit_checkpoint.c.size, audit_checkpoint.c.root, audit_checkpoint.c.note).where(
                audit_checkpoint.c.size == size
            )
        )
    ).first()
    return None if row is None else _row(row.size, row.root, row.note)


async def _lock(session: AsyncSession, *, wait: bool) -> bool:
    if wait:
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SIGNING_LOCK})
        return True
    got = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SIGNING_LOCK}
    )
    return bool(got)


async def _check_extends(
    session: AsyncSession, previous: StoredCheckpoint, size: int, root: Hash
) -> None:
    """Steps 1 and 2 of the module docstring: the old edge and the consistency proof."""
    edge = await read_hashes(session, tree_hash_indexes(previous.size))
    if not hmac.compare_digest(tree_hash_from_hashes(previous.size, edge), previous.root):
        raise LogIntegrityError(
            f"the stored hashes no longer give the root signed at size {previous.size}: "
            "the audit_hash table was altered"
        )
    if previous.size == 0:
        return
    hashes = await read_hashes(session, consistency_proof_indexes(previous.size, size))
    proof = consistency_proof_from_hashes(previous.size, size, hashes)
    try:
        check_consistency(proof, previous.size, previous.root, size, root)
    except AuditError as exc:
        raise LogIntegrityError(
            f"the log at size {size} is not an extension of the checkpoint at size "
            f"{previous.size}: {exc}"
        ) from exc


async def _check_appended(session: AsyncSession, old_size: int, size: int) -> None:
    """Step 3: recompute every stored hash written for entries ``[old_size, size)``.

    The edge at ``old_size`` was authenticated by :func:`_check_extends`; each chunk's rows
    are recomputed from the entries' bytes and compared with what is stored, and the edge is
    carried forward from the recomputed hashes. Cost: about two hashes per new entry and two
    range reads per :data:`CHECK_CHUNK` entries.
    """
    edge = await read_hashes(session, append_indexes(old_size))
    start = old_size
    while start < size:
        end = min(size, start + CHECK_CHUNK)
        indexes, data, recorded = await read_entry_rows(session, start, end)
        if indexes != list(range(start, end)):
            missing = next(i for i in range(start, end) if i not in set(indexes))
            raise LogIntegrityError(f"entry {missing} is missing from the log")
        leaves = leaf_hashes(data)
        if leaves != recorded:
            bad = next(i for i, (a, b) in enumerate(zip(leaves, recorded, strict=True)) if a != b)
            raise LogIntegrityError(
                f"entry {start + bad} does not match its recorded leaf hash: it was altered"
            )
        expected = hashes_to_store_from(leaves, start, edge)
        stored = await read_hash_range(session, stored_hash_count(start), stored_hash_count(end))
        if [h for _, h in expected] != stored:
            index = next(i for (i, want), got in zip(expected, stored, strict=True) if want != got)
            raise LogIntegrityError(
                f"stored hash {index} does not match the entries it covers: "
                "the audit_hash table was altered"
            )
        known = dict(zip(append_indexes(start), edge, strict=True))
        known.update(expected)
        edge = [known[i] for i in append_indexes(end)]
        start = end


async def add_cosignatures(session: AsyncSession, size: int, lines: list[str]) -> None:
    """Append witnesses' cosignature lines to the stored checkpoint of ``size``; commit.

    Lines already there are not repeated; the note's body and the log's signature stay as
    signed. The caller has verified each line against its witness's key.
    """
    note = await session.scalar(
        select(audit_checkpoint.c.note).where(audit_checkpoint.c.size == size).with_for_update()
    )
    if note is None:
        await session.rollback()
        return
    have = set(note.splitlines())
    new = [line for line in lines if line.rstrip("\n") not in have]
    if new:
        await session.execute(
            audit_checkpoint.update()
            .where(audit_checkpoint.c.size == size)
            .values(note=note + "".join(new))
        )
    await session.commit()


def signers_record(signer: Signer) -> StoredCheckpoint | None:
    """The last checkpoint ``signer`` signed, from its own record, or None.

    Raises :class:`SigningRefused` when the record exists but cannot be read.
    """
    if signer.record is None:
        return None
    try:
        record = read_last_signed(signer.record)
    except RecordError as exc:
        raise SigningRefused(str(exc), None) from None
    if record is None:
        return None
    c = record.checkpoint
    return StoredCheckpoint(c.size, as_hash(c.root_hash, "recorded root"), record.note)


async def _check_record(
    session: AsyncSession, record: StoredCheckpoint, size: int, root: Hash
) -> None:
    """Refuse unless the tree of ``size`` entries with ``root`` extends the signer's record.

    The consistency proof is computed from the stored hashes and checked against the root in
    the record, which the database operator cannot change.
    """
    if size < record.size:
        raise SigningRefused(
            f"the log has {size} entries but this signer last signed {record.size}: "
            "entries were removed from the database",
            record,
        )
    if size == record.size:
        if not hmac.compare_digest(root, record.root):
            raise SigningRefused(
                f"the log's tree at size {size} is not the one this signer signed: "
                "the database was rewritten",
                record,
            )
        return
    if record.size == 0:
        return
    hashes = await read_hashes(session, consistency_proof_indexes(record.size, size))
    proof = consistency_proof_from_hashes(record.size, size, hashes)
    try:
        check_consistency(proof, record.size, record.root, size, root)
    except AuditError as exc:
        raise SigningRefused(
            f"the log at size {size} is not an extension of the checkpoint this signer last "
            f"signed at size {record.size}: the database was rewritten ({exc})",
            record,
        ) from exc


@overload
async def sign_checkpoint_if_grown(
    session: AsyncSession, signer: Signer, origin: str, *, wait: Literal[True] = True
) -> StoredCheckpoint: ...


@overload
async def sign_checkpoint_if_grown(
    session: AsyncSession, signer: Signer, origin: str, *, wait: bool
) -> StoredCheckpoint | None: ...


async def sign_checkpoint_if_grown(
    session: AsyncSession, signer: Signer, origin: str, *, wait: bool = True
) -> StoredCheckpoint | None:
    """Sign the committed log if it has grown since the latest checkpoint; commit; return it.

    Returns the latest checkpoint when the log has not grown, and None only when
    ``wait=False`` and another signer holds the lock (it will sign). Runs in, and commits,
    the session's transaction, so call it on a session with nothing else pending. Raises
    :class:`LogIntegrityError` (after rolling back) when the stored log does not extend the
    last checkpoint; see the module docstring.

    Cost: one Ed25519 signature, a few index reads, and about two hashes per entry appended
    since the last checkpoint (the re-check of step 3).
    """
    try:
        if not await _lock(session, wait=wait):
            await session.rollback()
            return None
        size = await log_size(session)
        previous = await latest_checkpoint(session)
        record = signers_record(signer)
        if record is not None and (previous is None or previous.size < record.size):
            # Checkpoints the signer signed are missing from the database: check the tree
            # against the signer's own record before anything else.
            root = tree_hash_from_hashes(size, await read_hashes(session, tree_hash_indexes(size)))
            await _check_record(session, record, size, root)
        if previous is not None and previous.size >= size:
            if previous.size > size:
                raise LogIntegrityError(
                    f"the log has {size} entries but a checkpoint was signed at "
                    f"{previous.size}: entries were removed"
                )
            await session.commit()
            return previous
        root = tree_hash_from_hashes(size, await read_hashes(session, tree_hash_indexes(size)))
        if previous is None:
            previous = StoredCheckpoint(0, EMPTY_ROOT, "")
        await _check_extends(session, previous, size, root)
        if record is not None:
            await _check_record(session, record, size, root)
        await _check_appended(session, previous.size, size)
        if record is not None and record.size == size:
            note = record.note  # signed before; only its row was lost
        else:
            note = sign_checkpoint(Checkpoint(origin, size, root), signer)
            if signer.record is not None:
                # Recorded before it is published: a signer never signs two trees.
                write_last_signed(signer.record, note)
        await session.execute(audit_checkpoint.insert().values(size=size, root=root, note=note))
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return StoredCheckpoint(size, root, note)
