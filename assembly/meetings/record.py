"""An assembly's record: every motion and amendment, each decision with its vote, final texts.

``assembly_record`` gathers it as one JSON document: per motion its text as submitted, its
amendments (each with its diff and outcome), the composite sources it came from, each vote's
published result and the final text with its digest; then every log entry about the assembly
and its contests, so a reader can check each digest against the log. ``record_markdown``
renders the same record as a readable document. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.log import assembly_entries
from assembly.meetings.timetable import when
from assembly.models import Assembly, Motion
from assembly.motions.views import assembly_out, motion_out
from schemas.assemblies import AssemblyRecord
from voting.lifecycle import load_contest
from voting.roll_call import roll_call_of

__all__ = ["assembly_record", "record_markdown"]


async def _vote(session: AsyncSession, contest_id: str | None) -> dict[str, Any] | None:
    if contest_id is None:
        return None
    contest = await load_contest(session, uuid.UUID(contest_id))
    published = contest.state == "published" and contest.result is not None
    result = contest.result if published and contest.result is not None else {}
    return {
        "contest": contest_id,
        "state": contest.state,
        "secret": contest.secret,
        "scope": contest.scope,
        "electorate": contest.electorate_size,
        "weighted": contest.weighted,
        "electorate_weight": contest.electorate_weight,
        "majority": contest.majority,
        "outcome": result.get("outcome"),
        "figures": result.get("figures"),
        "result_digest": contest.result_digest if published else None,
        "roll_call": msgspec.to_builtins(await roll_call_of(session, contest))
        if published
        else None,
    }


async def assembly_record(session: AsyncSession, assembly: Assembly) -> AssemblyRecord:
    """The whole record of ``assembly``. Cost: one read per motion, amendment and vote, and one
    read of the assembly's log entries."""
    motions = (
        await session.scalars(
            select(Motion).where(Motion.assembly_id == assembly.id).order_by(Motion.number)
        )
    ).all()
    numbers = {str(m.id): m.number for m in motions}
    shown: list[dict[str, Any]] = []
    contest_logs: list[int] = []
    for motion in motions:
        out = msgspec.to_builtins(await motion_out(session, motion, assembly))
        for amendment in out.get("amendments", []):
            amendment["vote"] = await _vote(session, amendment.get("contest"))
        out["vote"] = await _vote(session, out.get("contest"))
        out["composite_of_numbers"] = [numbers[s] for s in out.get("composite_of", [])]
        out["history"] = {
            "original": {"text_digest": motion.text_digest, "lines": out["lines"]},
            "composite_of": out["composite_of_numbers"],
            "forwarded_from": out.get("forwarded_from"),
            "provenance": out.get("provenance", []),
            "carried_amendments": [
                {
                    "number": a["number"],
                    "describe": a["describe"],
                    "text_digest": a["text_digest"],
                    "contest": a.get("contest"),
                }
                for a in out.get("amendments", [])
                if a["state"] == "carried"
            ],
            "final": {"text_digest": motion.final_digest, "lines": out.get("final_lines", [])},
        }
        shown.append(out)
        ids = [a.get("contest") for a in out.get("amendments", [])] + [out.get("contest")]
        for contest_id in ids:
            if contest_id is not None:
                contest_logs.extend(
                    (await load_contest(session, uuid.UUID(contest_id))).log_indexes
                )
    entries = await assembly_entries(session, assembly.id, contest_logs)
    return AssemblyRecord(
        assembly=await assembly_out(session, assembly),
        motions=shown,
        log=[{"index": i, "entry": json.loads(data)} for i, data in entries],
    )


def _figures(vote: dict[str, Any] | None) -> str:
    if not vote or vote.get("outcome") is None:
        return ""
    f = vote.get("figures") or {}
    card = ""
    if vote.get("weighted"):
        card = f"; a card vote of {vote.get('electorate_weight')} votes carried"
    return (
        f" — **{vote['outcome']}** (for {f.get('for')}, against {f.get('against')}, "
        f"abstain {f.get('abstain')}; electorate {vote.get('electorate')}{card})"
    )


def _lines(lines: list[dict[str, Any]]) -> list[str]:
    return [f"{line['number']}. {line['text']}" for line in lines]


def _motion_markdown(m: dict[str, Any], numbers: dict[str, int]) -> list[str]:
    out = [
        f"## Motion {m['number']}: {m['title']}",
        "",
        f"*{m['category']}, {m['scope']}* — **{m['state'].replace('_', ' ')}**",
        "",
    ]
    if m.get("proposer_branch"):
        out += [f"Proposed on behalf of branch {m['proposer_branch']}.", ""]
    if m.get("composite_of"):
        sources = ", ".join(str(numbers[s]) for s in m["composite_of"])
        out += [f"Composite of motions {sources}.", ""]
    if m.get("composited_into"):
        out += [f"Composited into motion {numbers.get(m['composited_into'], '?')}.", ""]
    for link in m.get("provenance", []):
        if link["relation"] in ("forwarded_from", "forwarded_to"):
            way = "Forwarded from" if link["relation"] == "forwarded_from" else "Forwarded to"
            carried = f", carried by vote {link['contest']}" if link.get("contest") else ""
            out += [
                f"{way} motion {link['number']} ({link['title']}) of {link['assembly_title']}"
                f"{carried}.",
                "",
            ]
    if m.get("ruling_reason"):
        out += [f"Ruled out of order: {m['ruling_reason']}", ""]
    seconding = m["seconding"]
    out += [
        f"Seconders: {seconding['seconders']} ({seconding['required']} required).",
        "",
        f"Text as submitted (`{m['text_digest']}`):",
        "",
        *_lines(m["lines"]),
        "",
    ]
    for a in m.get("amendments", []):
        out.append(
            f"### Amendment {a['number']}: {a['describe']}"
            + (_figures(a.get("vote")) or f" — {a['state'].replace('_', ' ')}")
        )
        out.append("")
        if a.get("ruling_reason"):
            out += [f"Ruled out of order: {a['ruling_reason']}", ""]
        for line in a["diff"]:
            if line["change"] == "deleted":
                out.append(f"- ~~{line['number']}. {line['text']}~~")
            elif line["change"] == "inserted":
                out.append(f"- **+** {line['text']}")
        out.append("")
    if m.get("vote"):
        out += [f"Vote on the motion{_figures(m['vote'])}", ""]
    if m.get("final_lines"):
        out += [f"Final text (`{m['final_digest']}`):", "", *_lines(m["final_lines"]), ""]
    return out


def _rule(rule: dict[str, Any]) -> str:
    comparison = rule["comparison"].replace("_", " ")
    return f"{comparison} {rule['threshold']} of {rule['base'].replace('_', ' ')}"


def record_markdown(record: AssemblyRecord) -> str:
    """The record as a Markdown document a member can read. Pure; linear in its size."""
    a = record.assembly
    t = a.timetable
    orders = a.standing_orders
    out = [
        f"# {a.title}",
        "",
        f"{a.kind.replace('_', ' ')}, scope {a.scope}, **{a.state.replace('_', ' ')}**.",
        "",
        f"- Motions deadline: {when(t.motions_deadline)}",
        f"- Amendments deadline: {when(t.amendments_deadline)}",
        f"- Session starts: {when(t.session_starts_at)}; ends: {when(t.session_ends_at)}",
        f"- Seconders: {orders['seconders_required']} per motion"
        + (" from distinct branches" if orders["seconders_from_distinct_branches"] else "")
        + f", {orders['amendment_seconders_required']} per amendment",
        f"- Majority: {_rule(orders['majority'])}; constitutional motions: "
        f"{_rule(orders['constitutional_majority'])}; votes are {orders['votes']}",
        "",
    ]
    numbers = {m["id"]: m["number"] for m in record.motions}
    for motion in record.motions:
        out += _motion_markdown(motion, numbers)
    out += ["## Log", ""]
    for item in record.log:
        entry = item["entry"]
        out.append(f"- {item['index']}: `{entry['type']}` by {entry['actor']} at {entry['at']}")
    return "\n".join(out) + "\n"
