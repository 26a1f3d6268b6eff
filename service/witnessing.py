"""Sending each new checkpoint to the log's witnesses and keeping their cosignatures.

``PLENARY_WITNESSES`` lists witnesses as ``VKEY URL`` pairs separated by commas (the witness's
cosigner verifier key, then its submission prefix). After each checkpoint is signed the
service sends it to every witness (c2sp.org/tlog-witness add-checkpoint) with a consistency
proof from the size that witness last cosigned (learnt from a 409 answer), verifies each
cosignature it gets back, and adds the lines to the stored checkpoint: the checkpoint it
serves, and the bundles carry, is then cosigned. A witness that is down or refuses is logged
as one WARNING line and skipped; the checkpoint stays signed by the log alone until it answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

from audit.merkle import Hash
from audit.witness import (
    CosignerVerifier,
    format_add_checkpoint,
    note_body,
    parse_cosigner_verifier,
    verify_cosignature,
)

__all__ = ["ConfiguredWitness", "cosign_everywhere", "parse_witnesses", "request_cosignature"]

_log = logging.getLogger("plenary.audit")

Prove = Callable[[int, int], Awaitable[list[Hash]]]
"""``prove(old_size, new_size)``: the consistency proof between two sizes of the log."""


@dataclass(frozen=True, slots=True)
class ConfiguredWitness:
    """A witness the service sends its checkpoints to."""

    key: CosignerVerifier
    url: str


def parse_witnesses(text: str) -> list[ConfiguredWitness]:
    """Parse ``PLENARY_WITNESSES``: ``VKEY URL`` pairs, comma-separated; ValueError names one."""
    witnesses = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        vkey, _, url = item.partition(" ")
        if not url.strip().startswith(("http://", "https://")):
            raise ValueError(f"PLENARY_WITNESSES: {item!r} is not 'VKEY URL'")
        witnesses.append(ConfiguredWitness(parse_cosigner_verifier(vkey), url.strip().rstrip("/")))
    return witnesses


async def request_cosignature(
    client: httpx.AsyncClient,
    witness: ConfiguredWitness,
    note: str,
    size: int,
    prove: Prove,
    old_size: int = 0,
) -> str | None:
    """Ask ``witness`` to cosign ``note`` (a checkpoint of ``size``); its verified line or None.

    Starts from ``old_size`` and, on a 409 naming another size, retries once from that size.
    """
    for _ in range(2):
        proof = await prove(old_size, size) if 0 < old_size < size else []
        try:
            response = await client.post(
                f"{witness.url}/add-checkpoint",
                content=format_add_checkpoint(old_size, proof, note),
            )
        except httpx.HTTPError as exc:
            _log.warning("witness %s not reached: %r", witness.key.name, exc)
            return None
        if response.status_code == 409 and response.headers.get("content-type", "").startswith(
            "text/x.tlog.size"
        ):
            known = int(response.text.strip())
            if known > size:
                _log.warning(
                    "witness %s has cosigned %d entries, more than this log's %d: a fork?",
                    witness.key.name,
                    known,
                    size,
                )
                return None
            old_size = known
            continue
        if response.status_code != 200:
            _log.warning(
                "witness %s refused the checkpoint of %d: %d %s",
                witness.key.name,
                size,
                response.status_code,
                response.text.strip()[:200],
            )
            return None
        prefix = f"— {witness.key.name} "
        for line in response.text.splitlines():
            if line.startswith(prefix):
                cosigned = note_body(note) + "\n" + line + "\n"
                try:
                    if verify_cosignature(cosigned, witness.key) is not None:
                        return line + "\n"
                except ValueError:
                    break
        _log.warning("witness %s answered without a valid cosignature", witness.key.name)
        return None
    return None


async def cosign_everywhere(
    client: httpx.AsyncClient,
    witnesses: Sequence[ConfiguredWitness],
    note: str,
    size: int,
    prove: Prove,
) -> list[str]:
    """The verified cosignature lines of every witness that cosigned ``note``."""
    lines = []
    for witness in witnesses:
        line = await request_cosignature(client, witness, note, size, prove)
        if line is not None:
            lines.append(line)
    return lines
