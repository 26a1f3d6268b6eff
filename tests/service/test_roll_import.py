"""Importing the roll through HTTP and the CLI: all or nothing, with every bad line named."""

from __future__ import annotations

import hashlib
import json

import httpx
from sqlalchemy import func, select

from audit.store import log_size, read_entries
from roll.models import Branch, Member, Region, RollSnapshot
from service.database import session_for

GOOD = (
    "membership_number,name,email,branch,region,status,gender\n"
    "A1,Ann Bell,ann@x.org,glasgow,SCO,active,woman\n"
    "A2,Bo Chan,bo@x.org,cardiff,WAL,active,man\n"
    "A3,Cy Dee,cy@x.org,cardiff,WAL,lapsed,\n"
)


async def _post(
    client: httpx.AsyncClient, headers: dict[str, str], body: str | bytes
) -> httpx.Response:
    return await client.post(
        "/api/v1/members/import",
        content=body.encode() if isinstance(body, str) else body,
        headers={**headers, "Content-Type": "text/csv"},
    )


async def _count(url: str, model) -> int:
    async with session_for(url) as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_admin_imports_a_roll_and_it_is_logged(client, auth, database_url) -> None:
    response = await _post(client, auth("ADMIN1", "admin"), GOOD)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["member_count"] == 3
    assert body["active_count"] == 2
    assert body["created"] == 3
    assert sorted(body["regions_created"]) == ["SCO", "WAL"]
    assert sorted(body["branches_created"]) == ["cardiff", "glasgow"]
    assert len(body["digest"]) == 64

    me = await client.get("/api/v1/me", headers=auth("A2"))
    assert me.json()["branch"] == "cardiff"
    assert me.json()["region"] == "WAL"
    assert me.json()["on_roll"] is True

    async with session_for(database_url) as s:
        entries = await read_entries(s, 0, await log_size(s))
    [entry] = [e for _, e in entries if json.loads(e)["type"] == "roll.imported"]
    event = json.loads(entry)
    assert event["digests"]["roll"] == "sha256:" + body["digest"]
    assert event["facts"]["members"] == 3
    for personal in (b"Ann", b"ann@x.org", b"A1"):
        assert personal not in entry


async def test_reimport_updates_members_in_place(client, auth, database_url) -> None:
    admin = auth("ADMIN1", "admin")
    assert (await _post(client, admin, GOOD)).status_code == 201
    changed = GOOD.replace(
        "A3,Cy Dee,cy@x.org,cardiff,WAL,lapsed", "A3,Cy Dee,cy@x.org,cardiff,WAL,active"
    )
    again = await _post(client, admin, changed)
    assert again.status_code == 201
    assert again.json()["created"] == 0
    assert again.json()["updated"] == 3
    assert again.json()["active_count"] == 3
    assert await _count(database_url, Member) == 3
    assert await _count(database_url, RollSnapshot) == 2


async def test_broken_csv_is_rejected_with_line_numbers_and_nothing_changes(
    client, auth, database_url
) -> None:
    admin = auth("ADMIN1", "admin")
    assert (await _post(client, admin, GOOD)).status_code == 201
    before = await _count(database_url, Member)
    broken = GOOD + "\n".join(
        [
            "A4,Di,di@x.org,leeds,YH,resigned,",
            "A5,Ed,ed@x.org,leeds,YH,active,",
            "A1,Ann,a@x.org,glasgow,SCO,active,\n",
        ]
    )
    response = await _post(client, admin, broken)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert [e["line"] for e in problem["errors"]] == [5, 7]
    assert "line 5" in problem["detail"]
    assert await _count(database_url, Member) == before
    assert await _count(database_url, Region) == 2  # YH was not created
    assert await _count(database_url, RollSnapshot) == 1


async def test_branch_moving_region_against_the_roll_is_rejected(
    client, auth, database_url
) -> None:
    admin = auth("ADMIN1", "admin")
    assert (await _post(client, admin, GOOD)).status_code == 201
    moved = "membership_number,name,email,branch,region,status\nB1,Bea,b@x.org,glasgow,WAL,active\n"
    response = await _post(client, admin, moved)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"line": 2, "message": "branch glasgow is in region SCO on the roll, not WAL"}
    ]
    assert await _count(database_url, Branch) == 2


async def test_only_admins_import(client, auth) -> None:
    response = await _post(client, auth("A1", "member"), GOOD)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_wrong_content_type_is_415(client, auth) -> None:
    response = await client.post(
        "/api/v1/members/import",
        content=GOOD,
        headers={**auth("ADMIN1", "admin"), "Content-Type": "application/json"},
    )
    assert response.status_code == 415
    assert "text/csv" in response.json()["detail"]


async def test_digest_is_the_canonical_roll(client, auth) -> None:
    body = (await _post(client, auth("ADMIN1", "admin"), GOOD)).json()
    lines = [
        b'["A1","Ann Bell","ann@x.org","glasgow","SCO","active",{"gender":"woman"}]\n',
        b'["A2","Bo Chan","bo@x.org","cardiff","WAL","active",{"gender":"man"}]\n',
        b'["A3","Cy Dee","cy@x.org","cardiff","WAL","lapsed",{}]\n',
    ]
    assert body["digest"] == hashlib.sha256(b"".join(lines)).hexdigest()


def test_cli_import_rejects_a_broken_file_and_names_lines(
    tmp_path, settings, monkeypatch, capsys
) -> None:
    """Runs outside the event loop, as a person at a shell would."""
    import asyncio

    from service.cli import main

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PLENARY_DATA_DIR", str(settings.data_dir))
    bad = tmp_path / "roll.csv"
    bad.write_text(GOOD + "A9,Zed,zed@x.org,glasgow,SCO,gone,\n")
    assert main(["import-members", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:5: status 'gone'" in err
    assert asyncio.run(_count(settings.database_url, Member)) == 0

    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    assert main(["import-members", str(good)]) == 0
    assert "3 new" in capsys.readouterr().out
    assert asyncio.run(_count(settings.database_url, Member)) == 3
