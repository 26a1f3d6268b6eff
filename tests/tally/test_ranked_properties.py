"""Properties every Scottish STV and IRV count must have, on generated elections."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from tally.ballots import Ballot, Election
from tally.blt import parse_blt, write_blt
from tally.rules import IRV, SCOTTISH
from tally.transcript import Transcript, check_balance, transcript_to_dict
from tests.strategies import elections

RULES = st.sampled_from([SCOTTISH, IRV])


def _one_seat(e: Election) -> Election:
    return dataclasses.replace(e, seats=1)


def _has_tie(t: Transcript) -> bool:
    return any(s.ties or any(d.tie is not None for d in s.elected + s.excluded) for s in t.stages)


@given(elections(), RULES)
def test_every_stage_balances_to_the_valid_votes(election, rule):
    election = _one_seat(election) if rule is IRV else election
    check_balance(rule.count(election, seed="balance"))


@given(elections(), RULES)
def test_exactly_as_many_are_elected_as_there_are_seats_or_candidates(election, rule):
    election = _one_seat(election) if rule is IRV else election
    t = rule.count(election, seed="seats")
    standing = len(election.candidates) - len(election.withdrawn)
    assert len(t.elected) == min(election.seats, standing)
    assert len(set(t.elected)) == len(t.elected)
    assert not set(t.elected) & election.withdrawn


@given(elections(), st.randoms(use_true_random=False))
def test_the_order_of_the_ballot_papers_changes_nothing(election, random):
    shuffled = list(election.ballots)
    random.shuffle(shuffled)
    again = dataclasses.replace(election, ballots=tuple(shuffled))
    assert transcript_to_dict(SCOTTISH.count(again)) == transcript_to_dict(SCOTTISH.count(election))


@given(elections(names=True), elections(names=True))
def test_renaming_the_candidates_renames_the_result(election, other):
    names = other.candidates
    if len(names) < len(election.candidates):
        names = tuple(f"{n}-{k}" for k, n in enumerate(election.candidates))
    renamed = dataclasses.replace(election, candidates=names[: len(election.candidates)])
    before = SCOTTISH.count(election, seed="rename")
    after = SCOTTISH.count(renamed, seed="rename")
    assert after.elected == before.elected
    assert after.elected_names == [renamed.candidates[c] for c in before.elected]
    assert [s.votes for s in after.stages] == [s.votes for s in before.stages]


@given(elections(withdrawn=False))
def test_a_majority_of_first_preferences_wins_irv(election):
    election = _one_seat(election)
    firsts = [0] * len(election.candidates)
    for ranking, weight in election.ballots:
        if ranking:
            firsts[ranking[0][0]] += weight
    valid = sum(firsts)
    leader = max(range(len(firsts)), key=firsts.__getitem__)
    t = IRV.count(election, seed="majority")
    if 2 * firsts[leader] > valid:
        assert t.elected == (leader,)
        assert len(t.stages) == 1


@given(elections())
def test_a_candidate_who_reaches_the_quota_is_elected(election):
    t = SCOTTISH.count(election, seed="quota")
    for stage in t.stages:
        for c, votes in enumerate(stage.votes):
            if votes >= t.quota:
                assert c in t.elected


@given(elections())
def test_one_seat_scottish_stv_elects_the_irv_winner_when_no_tie_arises(election):
    election = _one_seat(election)
    stv = SCOTTISH.count(election, seed="one")
    irv = IRV.count(election, seed="one")
    if not _has_tie(stv) and not _has_tie(irv):
        assert stv.elected == irv.elected


@settings(max_examples=200)
@given(elections(names=True, equal_rankings=True))
def test_writing_then_reading_blt_gives_the_same_election(election):
    tie_order = tuple(reversed(range(len(election.candidates))))
    election = dataclasses.replace(election, tie_order=tie_order)
    assert parse_blt(write_blt(election)) == election


def test_a_ballot_paper_weight_of_zero_is_not_a_valid_vote():
    e = Election(("A", "B"), 1, (Ballot(((0,),), 0), Ballot(((1,),), 2)))
    t = SCOTTISH.count(e)
    assert t.valid_votes == 2 * 10**5
    assert t.elected_names == ["B"]


@given(elections(names=True))
def test_a_prefix_index_built_while_reading_counts_like_one_built_by_the_count(election):
    read = parse_blt(write_blt(election))
    assert read.prefix_index is not None
    assert SCOTTISH.count(read, seed="index") == SCOTTISH.count(election, seed="index")


def test_a_prefix_index_is_not_used_for_other_ballots():
    read = parse_blt('2 1\n3 1 0\n1 2 0\n0\n"A"\n"B"\n"t"\n')
    other = dataclasses.replace(read, ballots=(Ballot(((1,),), 5),))
    assert other.prefix_index is read.prefix_index
    assert SCOTTISH.count(other).elected_names == ["B"]
