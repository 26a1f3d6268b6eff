"""The session timing rules on their own: pure functions over times the test chooses."""

from __future__ import annotations

import datetime as dt

from service.sessions.rules import SessionPolicy, digest, is_live, needs_touch, new_secret

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
POLICY = SessionPolicy(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12))


def test_a_session_is_live_until_idle_or_absolute_end_whichever_first() -> None:
    ends = POLICY.ends_at(T0)
    assert is_live(last_seen=T0, expires_at=ends, now=T0 + dt.timedelta(minutes=29), policy=POLICY)
    assert not is_live(
        last_seen=T0, expires_at=ends, now=T0 + dt.timedelta(minutes=30), policy=POLICY
    )
    late = T0 + dt.timedelta(hours=12)
    assert not is_live(last_seen=late, expires_at=ends, now=late, policy=POLICY)


def test_the_last_used_time_is_written_at_most_once_a_minute() -> None:
    assert not needs_touch(last_seen=T0, now=T0 + dt.timedelta(seconds=59), policy=POLICY)
    assert needs_touch(last_seen=T0, now=T0 + dt.timedelta(seconds=60), policy=POLICY)
    short = SessionPolicy(idle=dt.timedelta(seconds=40))
    assert short.touch_every == dt.timedelta(seconds=10)


def test_session_ids_are_random_and_stored_only_as_their_sha256() -> None:
    ids = {new_secret() for _ in range(100)}
    assert len(ids) == 100
    one = next(iter(ids))
    assert len(one) >= 43
    assert digest(one) != one
    assert len(digest(one)) == 64
