"""The count as people read it: a returning officer's result sheet, and the JSON document.

:func:`result_sheet` prints the stage-by-stage table (one column per stage, one row per
candidate, then non-transferable votes, loss to rounding and the total) followed by what
happened at each stage and why. :func:`result_json` is the machine-readable result: one JSON
document, byte-identical for the same input, with ``rule``, ``seats``, ``elected`` (names exactly
as in the ballot file, in order of election) and ``stages`` (see
:func:`tally.transcript.transcript_to_dict`).
"""

from __future__ import annotations

import json

from tally.arithmetic import format_fixed
from tally.transcript import Decision, Stage, TieBreak, Transcript, transcript_to_dict

__all__ = ["describe_stage", "result_json", "result_sheet"]

_STAGES_PER_BLOCK = 6
_REASONS = {
    "quota": "reached the quota",
    "majority": "a majority of the continuing votes",
    "last continuing": "a continuing candidate when the continuing candidates fit the seats left",
    "lowest": "the lowest votes",
    "remaining": "not elected: every seat is filled",
    "doomed": "electing them would break a representation constraint",
}


def result_json(transcript: Transcript) -> str:
    """The transcript as one deterministic JSON document (UTF-8 text, keys in fixed order)."""
    return json.dumps(transcript_to_dict(transcript), indent=2, ensure_ascii=False) + "\n"


def _tie_text(tie: TieBreak, names: tuple[str, ...]) -> str:
    tied = ", ".join(names[c] for c in tie.tied)
    if tie.method == "earlier stage":
        how = f"by the votes at stage {tie.stage}"
    elif tie.method == "lot":
        draws = "; ".join(f"block {c} drew {v} from 0..{n - 1}" for c, n, v in tie.draws)
        how = f"by lot ({draws})"
    else:
        how = "by the order fixed in the ballot file"
    return f"tie between {tied} broken {how} in favour of {names[tie.chosen]}"


def _decision_text(verb: str, d: Decision, names: tuple[str, ...]) -> str:
    text = f"  {verb} {names[d.candidate]}: {_REASONS.get(d.reason, d.reason)}"
    if d.tie is not None:
        text += f"; {_tie_text(d.tie, names)}"
    return text


def describe_stage(stage: Stage, transcript: Transcript) -> list[str]:
    """What happened at ``stage``, in words: the action, the transfer value, the decisions."""
    names = transcript.candidates
    d = transcript.decimals
    subject = None if stage.subject is None else names[stage.subject]
    if stage.action == "first count":
        head = "first preferences counted"
    elif stage.action == "surplus":
        value = (
            "" if stage.transfer_value is None else f" at {format_fixed(stage.transfer_value, d)}"
        )
        head = f"surplus of {subject} transferred{value}"
    elif stage.action == "exclusion":
        head = f"{subject} excluded and their ballot papers transferred"
    else:
        head = stage.action if subject is None else f"{stage.action}: {subject}"
    lines = [f"Stage {stage.number}: {head}"]
    lines.extend(f"  {_tie_text(t, names)}" for t in stage.ties)
    lines.extend(
        _decision_text("excluded", x, names) for x in stage.excluded if x.reason != "remaining"
    )
    lines.extend(_decision_text("elected", x, names) for x in stage.elected)
    lines.extend(
        _decision_text("", x, names).replace("   ", "  ", 1)
        for x in stage.excluded
        if x.reason == "remaining"
    )
    return lines


def result_sheet(transcript: Transcript) -> str:
    """The human result sheet: header, stage table in blocks of six stages, then the narrative.

    Cost: O(stages × candidates) string formatting.
    """
    t = transcript
    d = t.decimals
    names = t.candidates
    status: dict[int, tuple[int, str]] = {}
    for s in t.stages:
        for x in s.elected:
            status[x.candidate] = (s.number, "elected")
        for x in s.excluded:
            # Defeated because every seat is filled is not an exclusion: say what happened.
            what = "not elected" if x.reason == "remaining" else "excluded"
            status.setdefault(x.candidate, (s.number, what))
    lines = [
        f"Election: {t.title}" if t.title else "Election",
        f"Rule: {t.rule}",
        f"Seats: {t.seats}",
        f"Valid votes: {format_fixed(t.valid_votes, d)}",
        f"Quota: {format_fixed(t.quota, d)}",
    ]
    if t.withdrawn:
        lines.append("Withdrawn: " + ", ".join(names[c] for c in sorted(t.withdrawn)))
    if t.seed is not None:
        lines.append(f"Seed for drawing lots: {t.seed}")
    lines.append("")
    shown = [c for c in range(len(names)) if c not in t.withdrawn]
    label_width = max([len(names[c]) for c in shown] + [len("Non-transferable"), 10]) + 2
    stages = list(t.stages)
    for start in range(0, len(stages), _STAGES_PER_BLOCK):
        block = stages[start : start + _STAGES_PER_BLOCK]
        cells = {c: [format_fixed(s.votes[c], d) for s in block] for c in shown}
        extra = [
            ("Non-transferable", [format_fixed(s.non_transferable, d) for s in block]),
            ("Loss to rounding", [format_fixed(s.rounding_loss, d) for s in block]),
            (
                "Total",
                [
                    format_fixed(sum(s.votes) + s.non_transferable + s.rounding_loss, d)
                    for s in block
                ],
            ),
        ]
        width = (
            max(
                [len(v) for row in cells.values() for v in row]
                + [len(v) for _, r in extra for v in r]
                + [9]
            )
            + 2
        )
        header = "Candidate".ljust(label_width) + "".join(
            f"Stage {s.number}".rjust(width) for s in block
        )
        lines.append(header)
        lines.append("-" * len(header))
        for c in shown:
            mark = ""
            if c in status:
                number, what = status[c]
                mark = (
                    f"  {what} at stage {number}"
                    if start <= number - 1 < start + len(block)
                    else ""
                )
            lines.append(
                names[c].ljust(label_width) + "".join(v.rjust(width) for v in cells[c]) + mark
            )
        lines.append("-" * len(header))
        for label, row in extra:
            lines.append(label.ljust(label_width) + "".join(v.rjust(width) for v in row))
        lines.append("")
    for s in stages:
        lines.extend(describe_stage(s, t))
    lines.append("")
    lines.append("Elected, in order of election:")
    lines.extend(f"  {k}. {names[c]}" for k, c in enumerate(t.elected, start=1))
    return "\n".join(lines) + "\n"
