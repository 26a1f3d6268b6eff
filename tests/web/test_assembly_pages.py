"""Assemblies in pages: a member submits a motion, others second and amend it, and the chair
admits everything and runs the votes on a motion and its two amendments to a final text."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from tests.web.conftest import csrf_of, post_form, sign_in

CHAIR = "CHAIR1"


async def _vote_now(web: httpx.AsyncClient, motion_path: str, choice: str) -> None:
    page = await web.get(motion_path)
    contest = re.search(r'href="/contests/([0-9a-f-]{36})">Vote now', page.text)
    assert contest, "the motion page links to the open vote"
    ballot = await web.get(f"/contests/{contest.group(1)}")
    cast = await web.post(
        f"/contests/{contest.group(1)}/cast", data={"csrf": csrf_of(ballot.text), "choice": choice}
    )
    assert cast.status_code == 200, cast.text


async def test_a_chair_runs_a_motion_with_two_amendments(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    admin = api("ADMIN1", "admin")
    made = await web.post(
        "/api/v1/assemblies/",
        json={
            "title": "Annual conference",
            "kind": "conference",
            "standing_orders": {"seconders_required": 1, "amendment_seconders_required": 1},
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assembly = f"/assemblies/{made.json()['id']}"
    granted = await web.post(f"/api/v1{assembly}/chairs", json={"subject": CHAIR}, headers=admin)
    assert granted.status_code == 201

    await sign_in(web, CHAIR)
    assert "Annual conference" in (await web.get("/chair")).text
    moved = await post_form(web, assembly, f"{assembly}/state", {"to": "motions_open"})
    assert moved.status_code == 303

    await sign_in(web, "M00001")
    submitted = await post_form(
        web,
        assembly,
        f"{assembly}/motions",
        {
            "title": "Free buses",
            "category": "policy",
            "text": "Conference notes fares rose.\nConference believes buses are a public good.\n"
            "Conference calls for free buses.",
        },
    )
    assert submitted.status_code == 303
    motion = submitted.headers["location"]
    page = await web.get(motion)
    assert re.search(r'<span class="n">2</span><span>Conference believes buses', page.text)

    await sign_in(web, "M00002")
    await post_form(web, motion, f"{motion}/second", {})
    assert "1 of 1 seconder<" in (await web.get(motion)).text

    await sign_in(web, CHAIR)
    await post_form(web, assembly, f"{assembly}/state", {"to": "amendments_open"})
    await post_form(web, motion, f"{motion}/admit", {})

    await sign_in(web, "M00003")
    first = await post_form(
        web,
        motion,
        f"{motion}/amendments",
        {
            "action": "replace",
            "start": "3",
            "end": "",
            "text": "Conference calls for free buses for under-25s.",
        },
    )
    assert first.status_code == 303, first.text
    second = await post_form(
        web,
        motion,
        f"{motion}/amendments",
        {"action": "delete", "start": "1", "end": "", "text": ""},
    )
    assert second.status_code == 303
    page = await web.get(motion)
    assert (
        '<del><span class="visually-hidden">Deleted: </span>Conference calls for free buses.</del>'
        in page.text
    )
    assert "Inserted: </span>Conference calls for free buses for under-25s.</ins>" in page.text
    amendment_ids = re.findall(r'id="amendment-([0-9a-f-]{36})"', page.text)
    assert len(amendment_ids) == 2

    await sign_in(web, "M00004")
    for amendment in amendment_ids:
        seconded = await post_form(web, motion, f"{motion}/amendments/{amendment}/second", {})
        assert seconded.status_code == 303, seconded.text

    await sign_in(web, CHAIR)
    for amendment in amendment_ids:
        await post_form(web, motion, f"{motion}/amendments/{amendment}/admit", {})
    await post_form(web, assembly, f"{assembly}/state", {"to": "in_session"})
    started = await post_form(web, motion, f"{motion}/vote-start", {})
    assert started.status_code == 303, started.text

    # Amendment 1 (line 1, deleted) is voted first, in line order; then amendment 2; then
    # the motion as amended.
    for choices in (
        ("for", "for", "against"),
        ("against", "against", "for"),
        ("for", "for", "for"),
    ):
        for member, choice in zip(("M00005", "M00006", "M00007"), choices, strict=True):
            await sign_in(web, member)
            await _vote_now(web, motion, choice)
        await sign_in(web, CHAIR)
        step = re.search(r'name="step" value="(\d+)"', (await web.get(motion)).text)
        assert step is not None
        advanced = await post_form(web, motion, f"{motion}/vote-next", {"step": step.group(1)})
        assert advanced.status_code == 303, advanced.text

    final = await web.get(motion)
    assert "Final text" in final.text
    assert final.text.count("<strong>Carried</strong>") == 2
    assert final.text.count("<strong>Lost</strong>") == 1
    final_text = final.text.split("Final text", 1)[1].split("</ol>", 1)[0]
    assert "Conference notes fares rose." not in final_text
    assert "Conference calls for free buses." in final_text


async def test_the_chair_rules_out_composites_and_orders_the_business(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    admin = api("ADMIN1", "admin")
    made = await web.post(
        "/api/v1/assemblies/",
        json={
            "title": "Branch meeting",
            "kind": "conference",
            "standing_orders": {"seconders_required": 0},
        },
        headers=admin,
    )
    assembly = f"/assemblies/{made.json()['id']}"
    await web.post(f"/api/v1{assembly}/chairs", json={"subject": CHAIR}, headers=admin)
    await sign_in(web, CHAIR)
    await post_form(web, assembly, f"{assembly}/state", {"to": "motions_open"})
    motions = []
    for n, title in enumerate(("Parks", "Libraries", "Pools", "Off topic"), start=1):
        await sign_in(web, f"M{n:05d}")
        made_motion = await post_form(
            web,
            assembly,
            f"{assembly}/motions",
            {"title": title, "category": "policy", "text": f"We support {title.lower()}."},
        )
        motions.append(made_motion.headers["location"])

    await sign_in(web, CHAIR)
    no_reason = await post_form(web, motions[3], f"{motions[3]}/rule-out", {"reason": ""})
    assert no_reason.status_code == 400
    assert "give the reason" in no_reason.text
    await post_form(web, motions[3], f"{motions[3]}/rule-out", {"reason": "Not our business."})
    assert "Ruled out of order: Not our business." in (await web.get(motions[3])).text

    page = await web.get(assembly)
    ids = [m.rsplit("/", 1)[1] for m in motions]
    composite = await web.post(
        f"{assembly}/composites",
        data={
            "csrf": csrf_of(page.text),
            "title": "Public spaces",
            "text": "We support parks.\nWe support libraries.",
            "sources": ids[:2],
        },
    )
    assert composite.status_code == 303, composite.text
    composite_id = composite.headers["location"].rsplit("/", 1)[1]
    await post_form(web, motions[2], f"{motions[2]}/admit", {})
    twice = await post_form(
        web,
        assembly,
        f"{assembly}/agenda",
        {f"position-{ids[2]}": "1", f"position-{composite_id}": "1"},
    )
    assert twice.status_code in (400, 422), twice.status_code
    assert "number 1 given to more than one motion" in twice.text
    assert "the order of business is unchanged" in twice.text
    ordered = await post_form(
        web,
        assembly,
        f"{assembly}/agenda",
        {f"position-{ids[2]}": "2", f"position-{composite_id}": "1"},
    )
    assert ordered.status_code == 303, ordered.text
    shown = (await web.get(assembly)).text
    business = shown.split("Order of business", 1)[1]
    assert business.index("Public spaces") < business.index("Pools")
    assert "Composited" in shown

    # The chair remits Pools from its page: referred back, not voted.
    assert "Remit: refer it back without a vote" in (await web.get(motions[2])).text
    remitted = await post_form(web, motions[2], f"{motions[2]}/remit", {})
    assert remitted.status_code == 303, remitted.text
    pools = (await web.get(motions[2])).text
    assert "Remit: refer it back" not in pools
    await sign_in(web, "M00001")
    refused = await post_form(web, motions[0], f"{motions[0]}/remit", {})
    assert refused.status_code == 403  # only the chair remits
