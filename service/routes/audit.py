"""``/api/v1/audit/…``: the transparency log, public, for anyone to fetch and check.

The signed checkpoint and the verifier key as text; entries and proofs as JSON with every hash
and entry in standard base64; and the C2SP ``tlog-tiles`` layout (``tile/<L>/<N>``,
``tile/entries/<N>``, partial tiles ``….p/<W>``) that ``python -m audit verify-log --url``
reads. Nothing here needs a token: the log is public by design, and every answer is checkable
against the signed checkpoint, so nothing here needs to be trusted either.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, Request, Response, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import PathParameter, QueryParameter

from audit.encoding import b64encode
from audit.errors import MalformedError
from audit.store import log_size, read_entries
from audit.store_checkpoints import (
    LogIntegrityError,
    SigningRefused,
    StoredCheckpoint,
    checkpoint_at,
    latest_checkpoint,
)
from audit.store_proofs import (
    MAX_ENTRIES_PAGE,
    BeyondLogError,
    check_entry_range,
    consistency_proof,
    entry_with_leaf_hash,
    inclusion_proof,
    read_tile,
)
from audit.tile import parse_c2sp_tile_path
from schemas.problems import DomainError
from service.checkpointer import Checkpointer, refused
from service.deps import DbSession

__all__ = [
    "AuditLogController",
    "ConsistencyProof",
    "InclusionProof",
    "LogEntries",
    "LogEntry",
]

_TEXT: Final = "text/plain"
_IMMUTABLE: Final = {"Cache-Control": "public, max-age=31536000, immutable"}
_PUBLIC: Final[dict[str, Any]] = {"exclude_from_auth": True, "security": [{}], "tags": ["audit"]}

_PAGE: Final = MAX_ENTRIES_PAGE

_log = logging.getLogger("plenary.audit")


class LogEntry(msgspec.Struct):
    """One entry: its index and its exact bytes (canonical JSON) in standard base64."""

    index: int
    data: str


class LogEntries(msgspec.Struct):
    """Entries ``[start, end)`` and the number of entries the log holds now."""

    start: int
    end: int
    size: int
    entries: list[LogEntry]


class InclusionProof(msgspec.Struct):
    """RFC 6962 §2.1.1 audit path for entry ``index`` in the tree of ``size`` entries.

    ``hashes`` start with the leaf's sibling. ``entry`` is the entry's bytes and
    ``leaf_hash`` is ``SHA-256(0x00 || entry)``. ``checkpoint`` is the signed checkpoint of
    exactly ``size`` entries when one was signed, else null.
    """

    index: int
    size: int
    leaf_hash: str
    entry: str
    hashes: list[str]
    checkpoint: str | None


class ConsistencyProof(msgspec.Struct):
    """RFC 6962 §2.1.2 proof that the tree of ``from`` entries is a prefix of ``to``'s.

    ``checkpoint`` is the signed checkpoint of exactly ``to`` entries when one was signed.
    """

    from_size: int = msgspec.field(name="from")
    to_size: int = msgspec.field(name="to")
    hashes: list[str] = msgspec.field(default_factory=list)
    checkpoint: str | None = None


def _bad(exc: MalformedError) -> ClientException:
    return ClientException(str(exc), status_code=400)


async def _latest(request: Request[Any, Any, Any], session: DbSession) -> StoredCheckpoint:
    """Sign first if the log has grown; on an integrity failure serve the last good one."""
    checkpointer: Checkpointer | None = getattr(request.app.state, "audit_log", None)
    if checkpointer is None:
        raise DomainError("the log's signer is not running yet; try again shortly", status=503)
    try:
        return await checkpointer.sign(session)
    except SigningRefused as exc:
        refused(exc)
        if exc.last_good is not None:
            return exc.last_good
    except LogIntegrityError as exc:
        _log.error("not signing the audit log: %s", exc)
    latest = await latest_checkpoint(session)
    if latest is None:
        raise DomainError(
            "the log has no signed checkpoint: it failed its integrity check; the operator "
            "has been alerted in the service log",
            status=503,
        )
    return latest


class AuditLogController(Controller):
    """The public transparency log."""

    path = "/audit"

    @get("/checkpoint", summary="The latest signed checkpoint", media_type=_TEXT, **_PUBLIC)
    async def checkpoint(self, request: Request[Any, Any, Any], db_session: DbSession) -> str:
        """The log's latest checkpoint as a C2SP signed note (origin, size, base64 root, then
        an Ed25519 signature line). Entries that arrived since the last one are signed first,
        so the answer covers every committed entry. Check it with the key from ``/audit/key``.
        """
        return (await _latest(request, db_session)).note

    @get("/key", summary="The log's verifier key", media_type=_TEXT, **_PUBLIC)
    async def key(self, request: Request[Any, Any, Any]) -> str:
        """The C2SP verifier key (``name+keyid+base64``) that signs checkpoints. Pin it once,
        out of band, and give it to ``plenary verify-log --key``."""
        checkpointer: Checkpointer | None = getattr(request.app.state, "audit_log", None)
        if checkpointer is None:
            raise DomainError("the log's signer is not running yet; try again shortly", status=503)
        return checkpointer.key.verifier_key + "\n"

    @get("/entries", summary="Log entries with their indexes", raises=[ClientException], **_PUBLIC)
    async def entries(
        self,
        db_session: DbSession,
        start: Annotated[int, QueryParameter(description="first index, from 0")] = 0,
        end: Annotated[
            int | None,
            QueryParameter(
                description=f"one past the last index; at most start+{MAX_ENTRIES_PAGE}"
            ),
        ] = None,
    ) -> LogEntries:
        """Entries ``start ≤ index < end`` (default: up to 1000 from ``start``, within the log).
        ``data`` is the entry's exact bytes in standard base64: canonical JSON whose leaf hash
        is ``SHA-256(0x00 || bytes)``."""
        size = await log_size(db_session)
        if end is None:
            end = min(size, start + MAX_ENTRIES_PAGE) if start < size else start + 1
        try:
            check_entry_range(start, end, size)
        except MalformedError as exc:
            raise _bad(exc) from None
        rows = await read_entries(db_session, start, end)
        return LogEntries(
            start=start,
            end=end,
            size=size,
            entries=[LogEntry(index=i, data=b64encode(data)) for i, data in rows],
        )

    @get(
        "/proof/inclusion",
        summary="Proof that an entry is in the log",
        raises=[ClientException],
        **_PUBLIC,
    )
    async def inclusion(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        index: Annotated[int, QueryParameter(description="the entry's index")],
        size: Annotated[
            int | None, QueryParameter(description="tree size; default: the latest checkpoint's")
        ] = None,
    ) -> InclusionProof:
        """The audit path from entry ``index`` to the root of the tree of ``size`` entries.
        Take ``size`` from a checkpoint you hold; the answer includes the checkpoint of that
        size when the log signed one."""
        if size is None:
            size = (await _latest(request, db_session)).size
        try:
            proof = await inclusion_proof(db_session, index, size)
            entry, leaf = await entry_with_leaf_hash(db_session, index)
        except MalformedError as exc:
            raise _bad(exc) from None
        signed = await checkpoint_at(db_session, size)
        return InclusionProof(
            index=index,
            size=size,
            leaf_hash=b64encode(leaf),
            entry=b64encode(entry),
            hashes=[b64encode(h) for h in proof],
            checkpoint=signed.note if signed else None,
        )

    @get(
        "/proof/consistency",
        summary="Proof that the log only grew between two sizes",
        raises=[ClientException],
        **_PUBLIC,
    )
    async def consistency(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        from_size: Annotated[
            int, QueryParameter(name="from", description="the size of the checkpoint you hold")
        ],
        to_size: Annotated[
            int | None,
            QueryParameter(
                name="to", description="the newer size; default: the latest checkpoint's"
            ),
        ] = None,
    ) -> ConsistencyProof:
        """The proof that the tree of ``from`` entries is a prefix of the tree of ``to``
        entries: nothing was removed or rewritten in between."""
        if to_size is None:
            to_size = (await _latest(request, db_session)).size
        try:
            proof = await consistency_proof(db_session, from_size, to_size)
        except MalformedError as exc:
            raise _bad(exc) from None
        signed = await checkpoint_at(db_session, to_size)
        return ConsistencyProof(
            from_size=from_size,
            to_size=to_size,
            hashes=[b64encode(h) for h in proof],
            checkpoint=signed.note if signed else None,
        )

    @get(
        "/tile/{tile_path:path}",
        summary="C2SP tlog-tiles: hash tiles and entry bundles",
        media_type="application/octet-stream",
        raises=[ClientException, NotFoundException],
        **_PUBLIC,
    )
    async def tile(
        self,
        db_session: DbSession,
        tile_path: Annotated[str, PathParameter(description="the path after tile/")],
    ) -> Response[bytes]:
        """``tile/<L>/<N>[.p/<W>]``: 256 (or ``W``) hashes of 32 bytes from level ``L·8`` of
        the tree; ``tile/entries/<N>[.p/<W>]``: entries ``N·256`` onwards, each as a 2-byte
        big-endian length and its bytes (c2sp.org/tlog-tiles). 404 until the log reaches it."""
        try:
            tile = parse_c2sp_tile_path("tile" + tile_path)
            data = await read_tile(db_session, tile)
        except BeyondLogError as exc:
            raise NotFoundException(str(exc)) from None
        except MalformedError as exc:
            raise _bad(exc) from None
        return Response(data, media_type="application/octet-stream", headers=_IMMUTABLE)
