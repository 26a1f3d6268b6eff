"""Counting a closed contest with ``tally``: the same function the service and the verifier run.

``count_contest`` takes the manifest and the ballots' canonical contents and returns the result
document (outcome or elected, figures and the full transcript). It is pure and deterministic:
the same ballots give byte-identical results, so an auditor's recount is a comparison of bytes.
Ties broken by lot use ``tally``'s default seed, derived from the ballots alone.

A card vote (manifest ``"weighted": true``) counts each ballot as its ``weight``: motions sum
the weights exactly, STV and IRV count a ballot of weight w as w identical papers (BLT's ballot
weight). The electorate passed in is then the electorate's total weight, and the result says so
(``"weighted": true``, ``"weight_cast"``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from audit.canonical import canonical_json
from audit.events import digest_of
from tally.ballots import Ballot, Election, group_ballots, single
from tally.blt import write_blt
from tally.constraints import Constraint
from tally.majority import MajorityRule, count_motion
from tally.rules import rule_named
from tally.transcript import transcript_to_dict
from voting.ballots import weight_of

__all__ = [
    "RULE_OF_METHOD",
    "blt_export",
    "check_constraints",
    "constraints_of",
    "count_contest",
    "election_of",
    "result_digest",
]

RULE_OF_METHOD = {"scottish_stv": "scottish", "meek_stv": "meek", "irv": "irv"}


def election_of(manifest: dict[str, Any], contents: Sequence[bytes]) -> Election:
    """The ranked ballots of an election or referendum as a ``tally`` election."""
    names = tuple(o["name"] for o in manifest["options"])
    papers = []
    for content in contents:
        document = json.loads(content)
        papers.append(Ballot(tuple(single(i) for i in document["ranking"]), weight_of(document)))
    attributes: tuple[frozenset[str], ...] = ()
    if manifest.get("constraints"):
        attributes = tuple(
            frozenset(f"{k}={v}" for k, v in o.get("attributes", {}).items())
            for o in manifest["options"]
        )
    return Election(
        candidates=names,
        seats=manifest["seats"],
        ballots=tuple(group_ballots(papers)),
        title=manifest["title"],
        attributes=attributes,
    )


def _count_choices(
    manifest: dict[str, Any], contents: Sequence[bytes], electorate: int
) -> dict[str, Any]:
    tallies: Counter[str] = Counter()
    for content in contents:
        document = json.loads(content)
        tallies[document["choice"]] += weight_of(document)
    yes = "for" if manifest["kind"] == "motion" else "yes"
    no = "against" if manifest["kind"] == "motion" else "no"
    rule = MajorityRule.from_dict(manifest["majority"])
    result = count_motion(rule, tallies[yes], tallies[no], tallies["abstain"], electorate)
    figures = result.to_dict()
    return {
        "kind": manifest["kind"],
        "outcome": figures["outcome"],
        "figures": figures,
        "choices": {name: tallies[name] for name in (yes, no, "abstain")},
    }


def _count_ranked(manifest: dict[str, Any], election: Election) -> dict[str, Any]:
    rule_name = RULE_OF_METHOD[manifest["method"]]
    constraints = constraints_of(manifest.get("constraints") or [])
    transcript = rule_named(rule_name).count(election, constraints=constraints)
    doc = transcript_to_dict(transcript)
    return {
        "kind": manifest["kind"],
        "method": manifest["method"],
        "elected": list(transcript.elected),
        "elected_names": transcript.elected_names,
        "first_preferences": _first_preferences(election),
        "transcript": doc,
    }


def constraints_of(declared: Sequence[dict[str, Any]]) -> list[Constraint]:
    """The manifest's constraints as ``tally`` constraints on labels ``attribute=value``."""
    return [
        Constraint(f"{c['attribute']}={c['value']}", c.get("at_least") or 0, c.get("at_most"))
        for c in declared
    ]


def check_constraints(manifest: dict[str, Any]) -> None:
    """Raise ``tally.errors.CountError`` if the constraints cannot be counted under the
    contest's method or cannot all be met, by counting one ballot: the same checks the real
    count makes before it starts."""
    if not manifest.get("constraints"):
        return
    names = [o["name"] for o in manifest["options"]]
    one = [canonical_json({"ranking": list(range(len(names)))})]
    rule_named(RULE_OF_METHOD[manifest["method"]]).count(
        election_of(manifest, one), constraints=constraints_of(manifest["constraints"])
    )


def _first_preferences(election: Election) -> list[int]:
    counts = [0] * len(election.candidates)
    for ballot in election.ballots:
        if ballot.ranking:
            for candidate in ballot.ranking[0]:
                counts[candidate] += ballot.weight
    return counts


def count_contest(
    manifest: dict[str, Any],
    contents: Sequence[bytes],
    electorate: int,
    *,
    election: Callable[[], Election] | None = None,
) -> dict[str, Any]:
    """The result document of a contest from its ballots (any order). Pure; deterministic.

    ``electorate`` is the number entitled to vote, or in a card vote their total weight.
    ``election``, for a ranked contest, gives ``election_of(manifest, contents)`` when called,
    so a caller that needs the parsed ballots again (the verifier's BLT check) parses them
    once; it is called where the count would parse them, so errors come in the same order."""
    base: dict[str, Any] = {
        "v": 1,
        "contest": manifest["contest"],
        "ballots": len(contents),
        "electorate": electorate,
    }
    if manifest.get("weighted"):
        base["weighted"] = True
        base["weight_cast"] = sum(weight_of(json.loads(c)) for c in contents)
    if manifest["kind"] in ("motion", "recall"):
        base.update(_count_choices(manifest, contents, electorate))
    else:
        parsed = election() if election is not None else election_of(manifest, contents)
        base.update(_count_ranked(manifest, parsed))
    return base


def result_digest(result: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the result's canonical JSON."""
    return digest_of(canonical_json(result))


def blt_export(manifest: dict[str, Any], contents: Sequence[bytes]) -> str:
    """The ranked ballots as a BLT file, so anyone can recount with another program."""
    return write_blt(election_of(manifest, contents))
