"""The administrator's pages: a roll checked, previewed and imported from a browser form, bad
files shown line by line, and members found with their branch, status and grants."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

import httpx
from sqlalchemy import func, select

from assembly.meetings.assemblies import create_assembly
from audit.store import log_size, read_entries
from roll.grants import grant_role, has_grant
from roll.models import Member, RollSnapshot
from schemas.assemblies import AssemblyCreate
from service.app import create_app
from service.database import session_for
from service.demo import demo_roll_csv
from service.settings import Settings
from service.signin.store import grants_for_email
from tests.conftest import running
from tests.web.conftest import ROLL_SIZE, csrf_of, post_form, sign_in

HEADER = "membership_number,name,email,branch,region,status,gender,age_band\n"


def _changed_roll() -> bytes:
    """The test roll with one member suspended, one moved to Cardiff and one newcomer."""
    lines = demo_roll_csv(ROLL_SIZE).decode().splitlines()
    lines[1] = lines[1].replace(",active,", ",suspended,")  # M00001
    lines[2] = re.sub(r",[a-z]+,[A-Z]+,", ",cardiff,WAL,", lines[2], count=1)  # M00002
    lines.append("N00001,Nia Newydd,nia@members.example,gwynedd,WAL,active,woman,30-44")
    return ("\n".join(lines) + "\n").encode()


async def _upload(web: httpx.AsyncClient, data: bytes, name: str = "roll.csv") -> httpx.Response:
    form = await web.get("/admin/roll")
    assert form.status_code == 200, form.text
    return await web.post(
        "/admin/roll/preview",
        data={"csrf": csrf_of(form.text)},
        files={"roll": (name, data, "text/csv")},
    )


async def _members(database_url: str) -> dict[str, str]:
    async with session_for(database_url) as s:
        return dict((await s.execute(select(Member.membership_number, Member.status))).all())


async def test_an_admin_previews_then_imports_exactly_that_roll(
    web: httpx.AsyncClient, database_url: str
) -> None:
    await sign_in(web, "ADMIN1")
    home = await web.get("/admin")
    assert home.status_code == 200
    assert 'href="/admin/roll"' in home.text
    data = _changed_roll()
    preview = await _upload(web, data)
    assert preview.status_code == 200, preview.text
    text = preview.text
    assert "Nothing has been imported yet." in text
    assert "New members: 1" in text
    assert "Nia Newydd" in text
    assert "Status changes: 1" in text
    assert "Suspended" in text
    assert "Moved between branches: 1" in text
    assert "cardiff branch" in text.lower()
    assert hashlib.sha256(data).hexdigest() in text
    assert (await _members(database_url))["M00001"] == "active", "a preview writes nothing"

    confirmed = await web.post(
        "/admin/roll/import",
        data={
            "csrf": csrf_of(text),
            "digest": re.search(r'name="digest" value="([0-9a-f]{64})"', text)[1],  # type: ignore[index]
            "snapshot": re.search(r'name="snapshot" value="(\d*)"', text)[1],  # type: ignore[index]
        },
    )
    assert confirmed.status_code == 303, confirmed.text
    assert confirmed.headers["location"].startswith("/admin?imported=")
    roll = await _members(database_url)
    assert roll["M00001"] == "suspended"
    assert roll["N00001"] == "active"
    assert len(roll) == ROLL_SIZE + 1
    done = await web.get(confirmed.headers["location"])
    assert "The roll was imported." in done.text
    async with session_for(database_url) as s:
        entries = await read_entries(s, 0, await log_size(s))
    imports = [json.loads(e) for _, e in entries if json.loads(e)["type"] == "roll.imported"]
    assert len(imports) == 2, "the fixture's import and this one"
    assert imports[-1]["facts"]["created"] == 1

    again = await web.post(
        "/admin/roll/import",
        data={
            "csrf": csrf_of(text),
            "digest": hashlib.sha256(data).hexdigest(),
            "snapshot": re.search(r'name="snapshot" value="(\d*)"', text)[1],  # type: ignore[index]
        },
        headers={"accept": "text/html"},
    )
    assert again.status_code == 409, "a confirmed file cannot be imported twice"
    assert "upload it again" in again.text


async def test_a_confirmation_after_the_roll_changed_is_refused(
    web: httpx.AsyncClient, database_url: str
) -> None:
    await sign_in(web, "ADMIN1")
    first = await _upload(web, _changed_roll())
    assert first.status_code == 200
    other = demo_roll_csv(ROLL_SIZE).replace(b",active,", b",lapsed,", 1)
    second = await _upload(web, other)
    token = csrf_of(second.text)
    digest = hashlib.sha256(other).hexdigest()
    snapshot = re.search(r'name="snapshot" value="(\d*)"', second.text)[1]  # type: ignore[index]
    assert (
        await web.post(
            "/admin/roll/import", data={"csrf": token, "digest": digest, "snapshot": snapshot}
        )
    ).status_code == 303
    stale = await web.post(
        "/admin/roll/import",
        data={
            "csrf": token,
            "digest": hashlib.sha256(_changed_roll()).hexdigest(),
            "snapshot": snapshot,
        },
        headers={"accept": "text/html"},
    )
    assert stale.status_code == 409
    assert "The roll has changed since you checked this file" in stale.text
    assert (await _members(database_url))["M00001"] == "lapsed", "the stale file was not imported"
    forged = await web.post(
        "/admin/roll/import",
        data={"csrf": token, "digest": "../../etc/passwd", "snapshot": snapshot},
        headers={"accept": "text/html"},
    )
    assert forged.status_code == 409


async def test_a_bad_file_shows_every_bad_line_and_changes_nothing(
    web: httpx.AsyncClient, database_url: str
) -> None:
    await sign_in(web, "ADMIN1")
    async with session_for(database_url) as s:
        snapshots = await s.scalar(select(func.count()).select_from(RollSnapshot))
    bad = (
        HEADER
        + "B1,Bad Email,not-an-email,glasgow,SCO,active,,\n"
        + "B2,Unknown Status,b2@x.org,glasgow,SCO,gone,,\n"
        + "B3,Too Few,b3@x.org\n"
    ).encode()
    refused = await _upload(web, bad)
    assert refused.status_code == 422
    assert "Line 2:" in refused.text
    assert "is not an email address" in refused.text
    assert "Line 3:" in refused.text
    assert "status &#39;gone&#39; is not one of" in refused.text
    assert "Line 4:" in refused.text
    assert "has 3 fields; the header has 8" in refused.text
    assert "Nothing was imported" in refused.text

    for data, expected in (
        (b"", "the file is empty"),
        (b"\xff\xfe,name\n", "is not valid UTF-8"),
        (b"name,email\nA,b@c\n", "missing column(s)"),
    ):
        answer = await _upload(web, data)
        assert answer.status_code == 422, data
        assert expected in answer.text
    moved_region = demo_roll_csv(ROLL_SIZE).replace(b"glasgow,SCO", b"glasgow,WAL")
    answer = await _upload(web, moved_region)
    assert answer.status_code == 422
    assert "branch glasgow is in region SCO on the roll, not WAL" in answer.text

    form = await web.get("/admin/roll")
    no_file = await web.post("/admin/roll/preview", data={"csrf": csrf_of(form.text)})
    assert no_file.status_code == 400
    assert "Choose the roll file" in no_file.text
    async with session_for(database_url) as s:
        assert await s.scalar(select(func.count()).select_from(RollSnapshot)) == snapshots


async def test_an_oversized_file_is_refused_as_a_page(settings: Settings, roll: None) -> None:
    app = create_app(dataclasses.replace(settings, max_csv_bytes=1000))
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://plenary.test") as web:
            await sign_in(web, "ADMIN1")
            answer = await _upload(web, demo_roll_csv(40))
            assert answer.status_code == 413
            assert "<html" in answer.text
            assert "PLENARY_MAX_CSV_BYTES" in answer.text
            small = await _upload(web, demo_roll_csv(3))
            assert small.status_code == 200, "a file under the limit is read"


async def test_an_upload_without_the_forms_token_is_refused(web: httpx.AsyncClient) -> None:
    await sign_in(web, "ADMIN1")
    answer = await web.post(
        "/admin/roll/preview",
        files={"roll": ("roll.csv", demo_roll_csv(3), "text/csv")},
        headers={"accept": "text/html"},
    )
    assert answer.status_code == 403


async def test_non_admins_cannot_reach_the_admin_pages(web: httpx.AsyncClient) -> None:
    await sign_in(web, "RO1")
    for path in ("/admin", "/admin/roll", "/admin/members?q=M00001"):
        answer = await web.get(path, headers={"accept": "text/html"})
        assert answer.status_code == 403, path
        assert "<html" in answer.text
    home = await web.get("/home")
    assert 'href="/admin"' not in home.text


async def test_an_admin_finds_a_member_with_their_branch_status_and_grants(
    web: httpx.AsyncClient, database_url: str
) -> None:
    async with session_for(database_url) as s:
        await grant_role(
            s,
            subject="M00003",
            role="chair",
            object_kind="assembly",
            object_id="the-assembly",
            granted_by="ADMIN1",
        )
        await s.commit()
    await sign_in(web, "ADMIN1")
    by_number = await web.get("/admin/members", params={"q": "M00003"})
    assert by_number.status_code == 200
    assert "Members found: 1" in by_number.text
    assert "m00003@members.example" in by_number.text
    assert "dundee branch" in by_number.text.lower()  # the third demo branch
    assert "Active" in by_number.text
    assert "Chair (assembly the-assembly)" in by_number.text

    by_email = await web.get("/admin/members", params={"q": "M00004@MEMBERS.example"})
    assert "Members found: 1" in by_email.text
    assert "cardiff branch" in by_email.text.lower()
    nobody = await web.get("/admin/members", params={"q": "%"})
    assert "No member matches that." in nobody.text
    welsh = await web.get(
        "/admin/members", params={"q": "M00003"}, headers={"accept-language": "cy"}
    )
    assert "Dod o hyd i aelod" in welsh.text


async def test_an_admin_grants_and_revokes_a_role_by_email(
    web: httpx.AsyncClient, database_url: str
) -> None:
    await sign_in(web, "ADMIN1")
    refused = await post_form(
        web,
        "/admin/grants",
        "/admin/grants",
        {"email": "not an address", "subject": "RO7", "role": "auditor"},
    )
    assert refused.status_code == 422
    assert "is not an email address" in refused.text
    bad_role = await post_form(
        web,
        "/admin/grants",
        "/admin/grants",
        {"email": "ro7@party.example", "subject": "RO7", "role": "member"},
    )
    assert bad_role.status_code == 422
    granted = await post_form(
        web,
        "/admin/grants",
        "/admin/grants",
        {"email": "ro7@party.example", "subject": "RO7", "role": "returning_officer"},
    )
    assert granted.status_code == 303
    async with session_for(database_url) as s:
        [grant] = await grants_for_email(s, "RO7@party.example")
    assert (grant.subject, grant.role) == ("RO7", "returning_officer")
    listed = await web.get("/admin/grants")
    assert "ro7@party.example" in listed.text
    revoked = await post_form(web, "/admin/grants", f"/admin/grants/{grant.id}/revoke", {})
    assert revoked.status_code == 303
    async with session_for(database_url) as s:
        assert await grants_for_email(s, "ro7@party.example") == []
    gone = await post_form(web, "/admin/grants", f"/admin/grants/{grant.id}/revoke", {})
    assert gone.status_code == 404


async def test_an_admin_makes_a_member_chair_of_an_assembly(
    web: httpx.AsyncClient, database_url: str
) -> None:
    async with session_for(database_url) as s:
        assembly = await create_assembly(
            s,
            AssemblyCreate(title="Glasgow branch meeting", kind="branch_meeting"),
            created_by="ADMIN1",
        )
        await s.commit()
        assembly_id = str(assembly.id)
    await sign_in(web, "ADMIN1")
    page = await web.get("/admin/grants")
    assert "Glasgow branch meeting" in page.text
    no_assembly = await post_form(
        web, "/admin/grants", "/admin/chairs", {"assembly": "x", "subject": "M00005"}
    )
    assert no_assembly.status_code == 422
    assert "Choose an assembly." in no_assembly.text
    made = await post_form(
        web, "/admin/grants", "/admin/chairs", {"assembly": assembly_id, "subject": "M00005"}
    )
    assert made.status_code == 303
    async with session_for(database_url) as s:
        assert await has_grant(s, "M00005", "chair", "assembly", assembly_id)
    shown = await web.get(made.headers["location"])
    assert f"Chair (assembly {assembly_id})" in shown.text
