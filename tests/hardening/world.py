"""A small organisation with one of everything, built over HTTP, and the people who act in it.

Scotland's objects (an assembly chaired by CHAIR1 with a motion and an amendment, an open and
a published contest, an election with a nomination, an office with a recall petition, a
sortition in the Glasgow branch) are *in scope* for S1 (a Glasgow member) and CHAIR1, and *out
of scope* for W1 (a Cardiff member) and CHAIR2 (who chairs the Welsh assembly). Officers'
roles hold across the organisation, so scope does not apply to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["ACTORS", "ROLL", "Actor", "World", "build_world"]

ROLL = (
    "membership_number,name,email,branch,region,status,gender\n"
    + "".join(
        f"S{n},Scot {n},s{n}@x.org,glasgow,SCO,active,{'woman' if n % 2 else 'man'}\n"
        for n in range(1, 11)
    )
    + "".join(f"E{n},Edin {n},e{n}@x.org,edinburgh,SCO,active,woman\n" for n in range(1, 5))
    + "".join(f"W{n},Welsh {n},w{n}@x.org,cardiff,WAL,active,man\n" for n in range(1, 7))
    + "L1,Lapsed One,l1@x.org,glasgow,SCO,lapsed,man\n"
)


@dataclass(frozen=True)
class Actor:
    """Someone calling the service: a token subject and roles, or nobody (no token)."""

    name: str
    subject: str | None
    roles: tuple[str, ...] = ("member",)


ACTORS = (
    Actor("anonymous", None),
    Actor("member_in_scope", "S1"),
    Actor("member_out_of_scope", "W1"),
    Actor("chair_in_scope", "CHAIR1", ("chair",)),
    Actor("chair_out_of_scope", "CHAIR2", ("chair",)),
    Actor("returning_officer", "RO1", ("returning_officer",)),
    Actor("auditor", "AUD1", ("auditor",)),
    Actor("admin", "ADMIN1", ("admin",)),
)


@dataclass
class World:
    """The ids of what was built, by the name of the path parameter that takes them."""

    ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, value: str) -> None:
        self.ids.setdefault(name, []).append(value)

    def first(self, name: str) -> str:
        return self.ids[name][0]


async def _call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
) -> Any:
    r = await client.request(method, f"/api/v1{path}", json=body, headers=headers)
    assert r.status_code in (200, 201), f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


async def build_world(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> World:
    """Build the organisation (about 40 requests, well under a second)."""
    world = World()
    admin, ro = auth("ADMIN1", "admin"), auth("RO1", "returning_officer")
    imported = await client.post(
        "/api/v1/members/import",
        content=ROLL.encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text

    # Assemblies: Scotland's (chaired by CHAIR1) with a motion and an amendment; Wales's.
    orders = {"seconders_required": 1, "amendment_seconders_required": 0}
    scottish = await _call(
        client,
        "POST",
        "/assemblies",
        admin,
        {
            "title": "Scottish assembly",
            "kind": "regional_assembly",
            "scope": "region:SCO",
            "standing_orders": orders,
        },
    )
    welsh = await _call(
        client,
        "POST",
        "/assemblies",
        admin,
        {"title": "Welsh assembly", "kind": "regional_assembly", "scope": "region:WAL"},
    )
    for assembly, chair in ((scottish, "CHAIR1"), (welsh, "CHAIR2")):
        world.add("assembly_id", assembly["id"])
        await _call(
            client, "POST", f"/assemblies/{assembly['id']}/chairs", admin, {"subject": chair}
        )
        await _call(
            client,
            "POST",
            f"/assemblies/{assembly['id']}/state",
            auth(chair, "chair"),
            {"to": "motions_open"},
        )
    motion = await _call(
        client,
        "POST",
        f"/assemblies/{scottish['id']}/motions",
        auth("S3"),
        {
            "title": "Free buses",
            "category": "policy",
            "paragraphs": ["This assembly notes the fares.", "It calls for free buses."],
        },
    )
    world.add("motion_id", motion["id"])
    await _call(client, "POST", f"/motions/{motion['id']}/seconders", auth("S4"))
    await _call(
        client,
        "POST",
        f"/assemblies/{scottish['id']}/state",
        auth("CHAIR1", "chair"),
        {"to": "amendments_open"},
    )
    amendment = await _call(
        client,
        "POST",
        f"/motions/{motion['id']}/amendments",
        auth("S5"),
        {"action": "replace", "start": 2, "end": 2, "paragraphs": ["It calls for trams."]},
    )
    world.add("amendment_id", amendment["id"])

    # Contests in Scotland: one open (S2 has voted), one published.
    open_contest = await _call(
        client,
        "POST",
        "/contests",
        ro,
        {"title": "Open motion", "kind": "motion", "scope": "region:SCO"},
    )
    await _call(client, "POST", f"/contests/{open_contest['id']}/open", ro)
    receipt = await _call(
        client, "POST", f"/contests/{open_contest['id']}/ballots", auth("S2"), {"choice": "for"}
    )
    published = await _call(
        client,
        "POST",
        "/contests",
        ro,
        {
            "title": "Published election",
            "kind": "election",
            "scope": "region:SCO",
            "candidates": [{"name": "Ada"}, {"name": "Bea"}, {"name": "Cy"}],
        },
    )
    await _call(client, "POST", f"/contests/{published['id']}/open", ro)
    ids = [c["id"] for c in published["candidates"]]
    for n, ranking in enumerate((ids, ids[::-1], ids[1:]), start=5):
        await _call(
            client,
            "POST",
            f"/contests/{published['id']}/ballots",
            auth(f"S{n}"),
            {"ranking": ranking},
        )
    for step in ("close", "count", "publish"):
        await _call(client, "POST", f"/contests/{published['id']}/{step}", ro)
    world.add("contest_id", open_contest["id"])
    world.add("contest_id", published["id"])
    world.add("receipt_hash", receipt["receipt_hash"])

    # An election for a Scottish post, with one nomination.
    election = await _call(
        client,
        "POST",
        "/elections",
        ro,
        {"title": "Scottish convener", "posts": [{"title": "Convener", "scope": "region:SCO"}]},
    )
    world.add("election_id", election["id"])
    nomination = await _call(
        client,
        "POST",
        f"/elections/{election['id']}/nominations",
        auth("S6"),
        {"post": 1, "candidate": "S7"},
    )
    world.add("nomination_id", nomination["id"])

    # Offices in Scotland: one with nobody petitioning yet, one with a recall petition.
    quiet = await _call(
        client,
        "POST",
        "/offices",
        admin,
        {
            "title": "Scottish treasurer",
            "kind": "executive",
            "scope": "region:SCO",
            "holder": "S10",
        },
    )
    world.add("office_id", quiet["id"])
    office = await _call(
        client,
        "POST",
        "/offices",
        admin,
        {"title": "Scottish convener", "kind": "executive", "scope": "region:SCO", "holder": "S9"},
    )
    world.add("office_id", office["id"])
    petition = await _call(
        client, "POST", f"/offices/{office['id']}/petitions", auth("S8"), {"reason": "Absent."}
    )
    world.add("petition_id", petition["id"])

    # A sortition in the Glasgow branch.
    sortition = await _call(
        client,
        "POST",
        "/sortitions",
        ro,
        {"title": "Glasgow committee", "role": "committee", "scope": "branch:glasgow", "seats": 2},
    )
    world.add("sortition_id", sortition["id"])
    world.add("tile_path", "/0/000")
    world.add("code", "cy")
    return world
