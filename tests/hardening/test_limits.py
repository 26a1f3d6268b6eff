"""Size limits: request bodies (a global cap, a bigger one for the roll import), the length of
a ranking, and the size of a roll file. Each refusal is a problem a person can act on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from tests.hardening.conftest import Serve, assert_problem
from tests.voting.conftest import ROLL

_AUTHZ = Callable[..., dict[str, str]]


def _roll_of(size: int) -> bytes:
    """A valid roll CSV of at least ``size`` bytes (the test roll, padded with more members)."""
    lines = [ROLL]
    n = 100
    while sum(len(part) for part in lines) < size:
        lines.append(f"P{n},Padding Member {n},p{n}@x.org,glasgow,SCO,active,woman\n")
        n += 1
    return "".join(lines).encode()


async def test_a_body_over_the_global_cap_is_refused_with_413_before_it_is_read(
    serve: Serve, auth: _AUTHZ
) -> None:
    async with serve(max_body_bytes=2000) as client:
        small = await client.post(
            "/api/v1/contests",
            json={"title": "Fine", "kind": "motion"},
            headers=auth("RO1", "returning_officer"),
        )
        assert small.status_code == 201, small.text
        big = await client.post(
            "/api/v1/contests",
            json={"title": "x" * 5000, "kind": "motion"},
            headers=auth("RO1", "returning_officer"),
        )
    problem = assert_problem(big, 413)
    assert "PLENARY_MAX_BODY_BYTES" in problem["detail"]
    assert "2000 bytes" in problem["detail"]


async def test_a_streamed_body_without_length_is_cut_off_at_the_cap(
    serve: Serve, auth: _AUTHZ
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"title": "'
        for _ in range(100):
            sent += 1000
            yield b"y" * 1000
        yield b'", "kind": "motion"}'

    async with serve(max_body_bytes=4000) as client:
        response = await client.post(
            "/api/v1/contests",
            content=chunks(),
            headers={**auth("RO1", "returning_officer"), "Content-Type": "application/json"},
        )
    problem = assert_problem(response, 413)
    assert "more than 4000 bytes" in problem["detail"]


async def test_the_roll_import_has_its_own_bigger_cap(serve: Serve, auth: _AUTHZ) -> None:
    admin = {**auth("ADMIN1", "admin"), "Content-Type": "text/csv"}
    within = _roll_of(20_000)
    beyond = _roll_of(60_000)
    async with serve(max_body_bytes=2000, max_csv_bytes=50_000) as client:
        accepted = await client.post("/api/v1/members/import", content=within, headers=admin)
        refused = await client.post("/api/v1/members/import", content=beyond, headers=admin)
        # Any other route keeps the small cap.
        other = await client.post(
            "/api/v1/assemblies", content=within, headers={**admin, "Content-Type": "text/csv"}
        )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["member_count"] > 100
    problem = assert_problem(refused, 413)
    assert "PLENARY_MAX_CSV_BYTES" in problem["detail"]
    assert "PLENARY_MAX_BODY_BYTES" in assert_problem(other, 413)["detail"]


async def test_a_ranking_longer_than_the_cap_is_refused_and_nothing_is_recorded(
    serve: Serve, auth: _AUTHZ
) -> None:
    from voting.ballots import MAX_RANKING

    ro = auth("RO1", "returning_officer")
    candidates = [{"name": f"Candidate {i}"} for i in range(MAX_RANKING + 5)]
    async with serve() as client:
        imported = await client.post(
            "/api/v1/members/import",
            content=ROLL.encode(),
            headers={**auth("ADMIN1", "admin"), "Content-Type": "text/csv"},
        )
        assert imported.status_code == 201, imported.text
        made = await client.post(
            "/api/v1/contests",
            json={"title": "Big slate", "kind": "election", "candidates": candidates},
            headers=ro,
        )
        assert made.status_code == 201, made.text
        contest = made.json()
        opened = await client.post(f"/api/v1/contests/{contest['id']}/open", headers=ro)
        assert opened.status_code == 200, opened.text
        ids = [c["id"] for c in contest["candidates"]]
        too_long = await client.post(
            f"/api/v1/contests/{contest['id']}/ballots",
            json={"ranking": ids[: MAX_RANKING + 1]},
            headers=auth("S1"),
        )
        turnout = await client.get(f"/api/v1/contests/{contest['id']}/turnout", headers=ro)
        longest = await client.post(
            f"/api/v1/contests/{contest['id']}/ballots",
            json={"ranking": ids[:MAX_RANKING]},
            headers=auth("S1"),
        )
    problem = assert_problem(too_long, 422)
    assert f"at most {MAX_RANKING}" in problem["detail"]
    assert turnout.json()["voted"] == 0
    assert longest.status_code == 201, longest.text


async def test_a_roll_file_over_the_csv_setting_is_refused_and_the_roll_is_unchanged(
    serve: Serve, auth: _AUTHZ
) -> None:
    admin = {**auth("ADMIN1", "admin"), "Content-Type": "text/csv"}
    async with serve(max_csv_bytes=len(ROLL) - 1) as client:
        refused = await client.post("/api/v1/members/import", content=ROLL.encode(), headers=admin)
        me = await client.get("/api/v1/me", headers=auth("S1"))
    assert_problem(refused, 413)
    assert me.json()["on_roll"] is False
