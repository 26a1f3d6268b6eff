"""``python -m tally``: count a ballot file, or recount a published result and compare.

``count FILE [--rule scottish|meek|irv] [--seats N] [--seed S] [--json] [--manifest M]`` prints
the result sheet (or the JSON document); ``--manifest`` takes a contest's published manifest, its
whole bundle, or a constraints file, so a constrained count is recomputed from the bundle alone
(its rule is the manifest's method unless ``--rule`` says otherwise). ``recount RESULT.json FILE
[--manifest M]`` counts FILE again under the rule, seats and seed recorded in RESULT.json and
says, stage by stage, whether it matches. ``countback FILE DEPARTED [--not-standing NAME ...]
[--rule scottish|irv] [--seed S] [--json]`` fills the seat DEPARTED left by recounting the papers
that elected them (:mod:`tally.countback`). Exit status: 0 done
(and matching), 1 the recount differs, 2 the input or the request is wrong (with a message,
never a traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tally.ballots import Election
from tally.blt import read_blt
from tally.constraints import Constraint, constraints_from_document
from tally.countback import countback
from tally.errors import TallyError
from tally.preflib import read_preflib
from tally.report import result_json, result_sheet
from tally.rules import TransferRule, default_rule_name, rule_named
from tally.transcript import Transcript, transcript_to_dict

__all__ = ["compare_results", "load_election", "main"]


def load_election(path: str, seats: int | None = None) -> Election:
    """Read ``path`` by its suffix (``.soi``/``.toi`` PrefLib, anything else BLT); ``seats``
    overrides the file's number of seats."""
    if Path(path).suffix.lower() in (".soi", ".toi"):
        election = read_preflib(path, seats=seats or 1)
    else:
        election = read_blt(path)
    if seats is not None and seats != election.seats:
        if seats < 1:
            raise TallyError(f"--seats must be at least 1, not {seats}")
        election = dataclasses.replace(election, seats=seats)
    return election


def with_constraints(
    election: Election, path: str | None
) -> tuple[Election, list[Constraint], str | None]:
    """``election`` labelled from the manifest, bundle or constraints file at ``path``, its
    constraints and the rule it names (nothing when ``path`` is None)."""
    if path is None:
        return election, [], None
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TallyError(f"{path}: cannot read the manifest: {exc}") from None
    if not isinstance(document, dict):
        raise TallyError(f"{path}: not a manifest, bundle or constraints file")
    return constraints_from_document(document, election, path)


def count(
    election: Election,
    rule_name: str | None,
    seed: str | None,
    constraints: Sequence[Constraint] = (),
) -> Transcript:
    """Count ``election`` under ``rule_name`` and ``constraints``.

    The default is IRV for one seat and Scottish STV for several, except that ballots ranking
    candidates equal are counted by Meek STV, the one rule here that defines them.
    """
    if rule_name is None:
        equal = election.prefix_index is None and any(
            len(group) > 1 for ranking, _ in election.ballots for group in ranking
        )
        rule_name = "meek" if equal else default_rule_name(election.seats)
    return rule_named(rule_name).count(election, seed=seed, constraints=constraints)


def compare_results(published: dict[str, Any], recounted: dict[str, Any]) -> list[str]:
    """Lines saying, stage by stage, whether the recount matches; the first difference ends it.

    Returns the lines; the last one starts with ``"DIFFERS"`` when they do not match.
    """
    lines: list[str] = []
    for key in ("rule", "seats", "candidates", "withdrawn", "valid_votes", "quota"):
        if published.get(key) != recounted.get(key):
            lines.append(
                f"DIFFERS in {key}: published {published.get(key)!r}, "
                f"recounted {recounted.get(key)!r}"
            )
            return lines
    old_stages = published.get("stages", [])
    new_stages = recounted["stages"]
    for k in range(max(len(old_stages), len(new_stages))):
        if k >= len(old_stages) or k >= len(new_stages):
            which = "published" if k >= len(old_stages) else "recounted"
            lines.append(f"DIFFERS at stage {k + 1}: the {which} count has no stage {k + 1}")
            return lines
        old, new = old_stages[k], new_stages[k]
        if old == new:
            lines.append(f"stage {k + 1} ({new['action']}): matches")
            continue
        detail = []
        for field in new:
            if old.get(field) == new[field]:
                continue
            if isinstance(new[field], dict) and isinstance(old.get(field), dict):
                for name, value in new[field].items():
                    if old[field].get(name) != value:
                        detail.append(
                            f"{field} of {name}: published {old[field].get(name)}, "
                            f"recounted {value}"
                        )
            else:
                detail.append(f"{field}: published {old.get(field)!r}, recounted {new[field]!r}")
        lines.append(f"DIFFERS at stage {k + 1}: " + "; ".join(detail))
        return lines
    if published.get("elected") != recounted["elected"]:
        lines.append(
            f"DIFFERS in elected: published {published.get('elected')}, "
            f"recounted {recounted['elected']}"
        )
        return lines
    lines.append("the recount matches the published result at every stage")
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tally",
        description="Count ranked ballots exactly, and recount published results.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("count", help="count a BLT or PrefLib file and print the result")
    c.add_argument("file", help="ballot file (.blt, or PrefLib .soi/.toi)")
    c.add_argument(
        "--rule",
        choices=["scottish", "meek", "irv"],
        help="counting rule (default: irv for one seat, scottish for several; meek if the "
        "ballots rank candidates equal)",
    )
    c.add_argument(
        "--seats", type=int, help="number of seats (default: as in the file; 1 for PrefLib)"
    )
    c.add_argument("--seed", help="seed for any draw by lot (default: derived from the ballots)")
    c.add_argument(
        "--json", action="store_true", help="print the JSON result document instead of the sheet"
    )
    c.add_argument(
        "--manifest",
        help="the contest's manifest, its bundle, or a constraints file: count under its "
        "constraints (and its method, unless --rule)",
    )
    r = sub.add_parser("recount", help="recount a ballot file and compare with a JSON result")
    r.add_argument("result", help="JSON result written by 'count --json'")
    r.add_argument("file", help="the ballot file the result was counted from")
    r.add_argument(
        "--manifest", help="the manifest, bundle or constraints file it was counted under"
    )
    b = sub.add_parser(
        "countback", help="fill a casual vacancy by recounting the papers that elected them"
    )
    b.add_argument("file", help="the original election's BLT file")
    b.add_argument("departed", help="the elected candidate who left, named as in the file")
    b.add_argument(
        "--not-standing",
        action="append",
        default=[],
        metavar="NAME",
        help="a candidate who will not stand in the countback (repeatable)",
    )
    b.add_argument("--rule", choices=["scottish", "irv"], help="the original election's rule")
    b.add_argument("--seed", help="the seed the original count used for any lot")
    b.add_argument("--json", action="store_true", help="print the recount's JSON document")
    return parser


def candidate_named(election: Election, name: str) -> int:
    """The number of the candidate called ``name`` exactly as in the file."""
    if name not in election.candidates:
        known = ", ".join(election.candidates)
        raise TallyError(f"{name!r} is not a candidate in this election (candidates: {known})")
    return election.candidates.index(name)


def run_countback(args: argparse.Namespace) -> int:
    """``countback``: print the one-seat recount that fills the vacancy."""
    election = read_blt(args.file)
    departed = candidate_named(election, args.departed)
    not_standing = [candidate_named(election, name) for name in args.not_standing]
    rule = rule_named(args.rule or default_rule_name(election.seats))
    if not isinstance(rule, TransferRule):  # the choices allow only the Gregory family
        raise TallyError(f"countback needs scottish or irv, not {rule.name}")
    result = countback(election, departed, not_standing, rule=rule, seed=args.seed)
    if args.json:
        sys.stdout.write(result_json(result.recount))
        return 0
    sys.stdout.write(
        f"Countback for the seat of {election.name(departed)}\n"
        "Standing: " + ", ".join(election.name(c) for c in result.standing) + "\n"
        "(candidates listed as withdrawn below do not stand)\n\n"
    )
    sys.stdout.write(result_sheet(result.recount))
    sys.stdout.write(f"\nThe vacancy is filled by {election.name(result.winner)}.\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "countback":
            return run_countback(args)
        if args.command == "count":
            election = load_election(args.file, args.seats)
            election, constraints, named = with_constraints(election, args.manifest)
            transcript = count(election, args.rule or named, args.seed, constraints)
            sys.stdout.write(result_json(transcript) if args.json else result_sheet(transcript))
            return 0
        try:
            published = json.loads(Path(args.result).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TallyError(f"{args.result}: cannot read the result document: {exc}") from None
        if not isinstance(published, dict) or "rule" not in published or "seats" not in published:
            raise TallyError(f"{args.result}: not a tally result document (no rule or seats)")
        election = load_election(args.file, int(published["seats"]))
        election, constraints, _ = with_constraints(election, args.manifest)
        transcript = count(election, str(published["rule"]), published.get("seed"), constraints)
        lines = compare_results(published, transcript_to_dict(transcript))
        sys.stdout.write("\n".join(lines) + "\n")
        return 1 if lines[-1].startswith("DIFFERS") else 0
    except TallyError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except (ValueError, TypeError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
