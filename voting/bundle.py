"""Building a published contest's audit bundle from the database (``schemas.bundle``).

The bundle is assembled from what was committed when the contest closed, was counted and was
published: the manifest as stored, the ballots and receipt hashes in the box, the stored result,
and the contest's own log entries (``Contest.log_indexes``) with inclusion proofs against a
signed checkpoint that covers the last of them. If no such checkpoint has been signed yet, one
is signed on demand (``audit.store_checkpoints.sign_checkpoint_if_grown``, which checks the log
only grew before signing). ``voting.verify`` checks all of it offline.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audit.checkpoint import open_checkpoint
from audit.encoding import b64encode
from audit.errors import AuditError
from audit.note import Signer
from audit.store import read_entries
from audit.store_checkpoints import (
    LogIntegrityError,
    StoredCheckpoint,
    latest_checkpoint,
    sign_checkpoint_if_grown,
)
from audit.store_proofs import inclusion_proof
from roll.viewer import Viewer
from schemas.bundle import (
    BUNDLE_FORMAT,
    BoxCommitmentDoc,
    Bundle,
    LogEntryProof,
    LogEvidence,
    RollCommitment,
)
from schemas.problems import DomainError
from voting.box import canonical_ballot_order
from voting.counting import blt_export
from voting.definition import CHOICES
from voting.lifecycle import (
    ContestNotFound,
    ContestStateError,
    contest_manifest,
    load_contest,
    options_of,
)
from voting.models import Contest, ContestBallot, ContestReceipt
from voting.roll_call import ballot_content, roll_call_of

__all__ = ["build_bundle", "contest_blt", "covering_checkpoint"]


async def _published(session: AsyncSession, contest_id: uuid.UUID, viewer: Viewer) -> Contest:
    contest = await load_contest(session, contest_id)
    if not viewer.may_see(contest):
        raise ContestNotFound(f"there is no contest {contest_id} that you can see")
    if contest.state != "published":
        raise ContestStateError(
            f"this contest is {contest.state}; its audit bundle exists once it is published"
        )
    return contest


async def covering_checkpoint(
    session: AsyncSession, size: int, signer: Signer, origin: str
) -> StoredCheckpoint:
    """A signed checkpoint of at least ``size`` entries, signing one now if none covers them.

    Signing commits ``session`` (see ``sign_checkpoint_if_grown``), so call this before any
    other work in the transaction. The checkpoint must open under ``signer``'s verifier key,
    the key the bundle names. Cost: one index read; when signing, one Ed25519 signature and
    about two hashes per entry appended since the last checkpoint.
    """
    latest = await latest_checkpoint(session)
    if latest is None or latest.size < size:
        try:
            latest = await sign_checkpoint_if_grown(session, signer, origin)
        except LogIntegrityError as exc:
            raise DomainError(
                f"the audit log failed its integrity check, so nothing new is signed: {exc}",
                status=503,
                title="Audit log not signed",
            ) from None
    if latest is None or latest.size < size:
        raise DomainError(
            "the audit log has no signed checkpoint covering this contest yet; try again",
            status=503,
            title="Audit log not signed yet",
        )
    try:
        open_checkpoint(latest.note, [signer.verifier()], origin)
    except AuditError as exc:
        raise DomainError(
            f"the latest checkpoint of the audit log does not open under the log's current key "
            f"({exc}); it is re-signed once the log grows",
            status=503,
            title="Audit log key changed",
        ) from None
    return latest


async def _log_evidence(
    session: AsyncSession, contest: Contest, signer: Signer, origin: str
) -> LogEvidence:
    indexes = sorted(contest.log_indexes)
    checkpoint = await covering_checkpoint(session, indexes[-1] + 1, signer, origin)
    entries = []
    for index in indexes:
        [(_, data)] = await read_entries(session, index, index + 1)
        proof = await inclusion_proof(session, index, checkpoint.size)
        entries.append(
            LogEntryProof(
                index=index,
                entry=data.decode("utf-8"),
                inclusion_proof=[b64encode(h) for h in proof],
            )
        )
    return LogEvidence(
        origin=origin,
        verifier_key=signer.verifier().key_string(),
        checkpoint=checkpoint.note,
        entries=entries,
    )


async def build_bundle(
    session: AsyncSession,
    contest_id: uuid.UUID,
    viewer: Viewer,
    *,
    signer: Signer,
    origin: str,
) -> Bundle:
    """The audit bundle of a published contest that ``viewer`` may see.

    404 when they may not see it, 409 before it is published. May sign a checkpoint (and so
    commit the session) first. Cost: one read each of the ballots and the receipt hashes, two
    reads per log entry, and building the BLT text (one line per distinct ranking).
    """
    contest = await _published(session, contest_id, viewer)
    log = await _log_evidence(session, contest, signer, origin)
    contest = await load_contest(session, contest_id)
    options = await options_of(session, contest.id)
    manifest = contest_manifest(contest, options)
    contents = canonical_ballot_order(
        bytes(c)
        for c in (
            await session.scalars(
                select(ContestBallot.content).where(ContestBallot.contest_id == contest.id)
            )
        ).all()
    )
    receipts = sorted(
        bytes(h)
        for h in (
            await session.scalars(
                select(ContestReceipt.receipt_hash).where(ContestReceipt.contest_id == contest.id)
            )
        ).all()
    )
    roll_call = await roll_call_of(session, contest)
    if (
        contest.roll_snapshot_id is None
        or contest.roll_digest is None
        or contest.receipts_root is None
        or contest.ballots_digest is None
        or contest.result is None
        or contest.result_digest is None
    ):
        raise DomainError(
            "this contest has no complete published result to bundle yet",
            status=409,
            title="Contest not published",
        )
    return Bundle(
        format=BUNDLE_FORMAT,
        contest=str(contest.id),
        manifest=manifest,
        manifest_digest=contest.manifest_digest,
        roll=RollCommitment(
            snapshot=contest.roll_snapshot_id,
            roll_digest=contest.roll_digest,
            electorate=contest.electorate_size or 0,
            voters=contest.voters or 0,
            electorate_weight=contest.electorate_weight if contest.weighted else None,
        ),
        ballots=[ballot_content(c) for c in contents],
        roll_call=roll_call,
        box=BoxCommitmentDoc(
            receipts_root=contest.receipts_root,
            ballots_digest=contest.ballots_digest,
            receipts=len(receipts),
            ballots=len(contents),
            receipt_hashes=[h.hex() for h in receipts],
        ),
        result=contest.result,
        result_digest=contest.result_digest,
        log=log,
        blt=None if contest.kind in CHOICES else blt_export(manifest, contents),
    )


async def contest_blt(session: AsyncSession, contest_id: uuid.UUID, viewer: Viewer) -> str:
    """The published ballots of a ranked contest as a BLT file; 409 for motions and recalls.

    Cost: one read of the ballots and one line per distinct ranking.
    """
    contest = await _published(session, contest_id, viewer)
    if contest.kind in CHOICES:
        raise ContestStateError(f"a {contest.kind} has no ranked ballots to export as BLT")
    manifest = contest_manifest(contest, await options_of(session, contest.id))
    contents = (
        await session.scalars(
            select(ContestBallot.content).where(ContestBallot.contest_id == contest.id)
        )
    ).all()
    return blt_export(manifest, canonical_ballot_order(bytes(c) for c in contents))
