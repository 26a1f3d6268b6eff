"""The member's voting path in pages, without JavaScript: a motion ballot, a ranked ballot with
number boxes checked on the server, review, cast, the receipt, and checking it after the
result is published."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from tests.web.conftest import csrf_of, define_contest, finish_contest, sign_in

_RECEIPT = re.compile(r'id="receipt" class="receipt" value="([^"]+)"')

ELECTION = {
    "title": "Executive committee",
    "kind": "election",
    "seats": 2,
    "candidates": [{"name": "Aisha"}, {"name": "Bethan"}, {"name": "Callum"}],
}


async def _vote(web: httpx.AsyncClient, contest_id: str, fields: dict[str, str]) -> httpx.Response:
    ballot = await web.get(f"/contests/{contest_id}")
    token = csrf_of(ballot.text)
    review = await web.post(f"/contests/{contest_id}/review", data={"csrf": token, **fields})
    assert review.status_code == 200, review.text
    return await web.post(f"/contests/{contest_id}/cast", data={"csrf": token, **fields})


async def test_a_member_votes_on_a_motion_and_keeps_a_receipt(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    motion = await define_contest(web, api, {"title": "Rail renationalisation", "kind": "motion"})
    await sign_in(web, "M00001")
    home = await web.get("/home")
    assert "Rail renationalisation" in home.text
    assert "Vote now" in home.text

    ballot = await web.get(f"/contests/{motion['id']}")
    assert 'type="radio" name="choice"' in ballot.text
    token = csrf_of(ballot.text)
    empty = await web.post(f"/contests/{motion['id']}/review", data={"csrf": token})
    assert empty.status_code == 400
    assert "Choose one of the answers." in empty.text

    review = await web.post(
        f"/contests/{motion['id']}/review", data={"csrf": token, "choice": "against"}
    )
    assert "Check your vote" in review.text
    assert "<strong>Against</strong>" in review.text
    cast = await web.post(
        f"/contests/{motion['id']}/cast", data={"csrf": token, "choice": "against"}
    )
    assert cast.status_code == 200
    assert "Your vote is recorded" in cast.text
    receipt = _RECEIPT.search(cast.text)
    assert receipt
    assert len(receipt.group(1)) == 43

    download = await web.post(
        f"/contests/{motion['id']}/receipt.txt", data={"csrf": token, "receipt": receipt.group(1)}
    )
    assert download.headers["content-disposition"].startswith("attachment")
    assert receipt.group(1) in download.text

    again = await web.post(f"/contests/{motion['id']}/cast", data={"csrf": token, "choice": "for"})
    assert again.status_code == 409
    assert "you have already voted in this contest" in again.text
    assert "You have voted" in (await web.get("/home")).text


async def test_number_boxes_come_back_with_a_message_next_to_the_box(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    election = await define_contest(web, api, ELECTION)
    ids = [c["id"] for c in election["candidates"]]
    await sign_in(web, "M00002")
    token = csrf_of((await web.get(f"/contests/{election['id']}")).text)

    async def review(numbers: list[str]) -> httpx.Response:
        fields = {f"rank-{i}": n for i, n in zip(ids, numbers, strict=True)}
        return await web.post(f"/contests/{election['id']}/review", data={"csrf": token, **fields})

    cases = {
        ("", "", ""): "Write 1 next to your first choice.",
        ("1", "1", ""): "You wrote 1 next to more than one name (Aisha, Bethan).",
        ("1", "3", ""): "There is no 2: number your choices 1, 2, 3 and so on, without gaps.",
        ("one", "", ""): "Next to Aisha, write a whole number from 1 to 3, or leave it empty.",
        ("1", "", "9"): "Next to Callum, write a whole number from 1 to 3, or leave it empty.",
    }
    for numbers, message in cases.items():
        answer = await review(list(numbers))
        assert answer.status_code == 400, numbers
        assert message in answer.text, numbers
        assert 'aria-invalid="true"' in answer.text or "ranking-error" in answer.text
        for i, n in zip(ids, numbers, strict=True):
            assert f'name="rank-{i}" value="{n}"' in answer.text, "the voter's numbers are kept"

    good = await review(["2", "", "1"])
    assert good.status_code == 200
    assert re.search(r"<li>Callum</li>\s*<li>Aisha</li>", good.text)
    change = await web.post(
        f"/contests/{election['id']}/ballot",
        data={"csrf": token, f"rank-{ids[0]}": "2", f"rank-{ids[2]}": "1"},
    )
    assert f'name="rank-{ids[0]}" value="2"' in change.text


async def test_after_publication_the_receipt_checks_and_the_stages_are_shown(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    election = await define_contest(web, api, ELECTION)
    ids = [c["id"] for c in election["candidates"]]
    rankings = [["1", "2", ""], ["1", "", "2"], ["2", "1", "3"], ["", "1", ""], ["3", "2", "1"]]
    receipts = []
    for n, numbers in enumerate(rankings, start=1):
        await sign_in(web, f"M{n:05d}")
        fields = {f"rank-{i}": v for i, v in zip(ids, numbers, strict=True) if v}
        cast = await _vote(web, election["id"], fields)
        assert cast.status_code == 200, cast.text
        found = _RECEIPT.search(cast.text)
        assert found
        receipts.append(found.group(1))

    check = await web.get(f"/contests/{election['id']}/check")
    assert "Receipts can be checked once voting has closed." in check.text
    await finish_contest(web, api, election["id"])

    check = await web.get(f"/contests/{election['id']}/check")
    token = csrf_of(check.text)
    assert 'data-root="' in check.text
    answer = await web.post(
        f"/contests/{election['id']}/check", data={"csrf": token, "receipt": receipts[-1]}
    )
    assert answer.status_code == 200
    assert "Your vote is in the counted box." in answer.text
    assert "Checked by the server: entry" in answer.text
    stranger = await web.post(
        f"/contests/{election['id']}/check",
        data={"csrf": token, "receipt": "A" * 43},
    )
    assert stranger.status_code == 404
    assert "That receipt is not in this contest" in stranger.text
    garbled = await web.post(
        f"/contests/{election['id']}/check", data={"csrf": token, "receipt": "not a receipt"}
    )
    assert garbled.status_code == 400

    results = await web.get(f"/contests/{election['id']}/results")
    assert results.status_code == 200
    assert "<h2>Elected</h2>" in results.text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in results.text
    assert 'role="img"' in results.text
    assert 'id="stage-table"' in results.text
    assert "Stage 1" in results.text
    assert "First preferences (5 ballots)" in results.text


async def test_a_member_outside_the_scope_sees_no_ballot(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    scottish = await define_contest(
        web, api, {"title": "Scottish policy", "kind": "motion", "scope": "region:SCO"}
    )
    await sign_in(web, "M00004")  # Cardiff, Wales
    assert "Scottish policy" not in (await web.get("/home")).text
    hidden = await web.get(f"/contests/{scottish['id']}")
    assert hidden.status_code == 404
    assert "There is no such page, or it is not one you can see" in hidden.text
