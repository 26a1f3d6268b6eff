"""Only the chair admits, enforced once: a non-chair (a member, an administrator without a chair
grant, the chair of another assembly) is refused on the API; a member on the page; the chair
of another assembly in the domain function itself, and the amendment is left as it was."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.guards import NotChair
from assembly.motions import amendments
from tests.web.conftest import post_form, sign_in

CHAIR = "CHAIR1"
OTHER_CHAIR = "CHAIR2"


async def _assembly(web: httpx.AsyncClient, admin: dict[str, str], chair: str) -> str:
    made = await web.post(
        "/api/v1/assemblies/",
        json={
            "title": f"Conference chaired by {chair}",
            "kind": "conference",
            "standing_orders": {"seconders_required": 1, "amendment_seconders_required": 1},
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assembly = f"/assemblies/{made.json()['id']}"
    granted = await web.post(f"/api/v1{assembly}/chairs", json={"subject": chair}, headers=admin)
    assert granted.status_code == 201
    return assembly


async def _submitted_amendment(web: httpx.AsyncClient, assembly: str) -> tuple[str, str]:
    await sign_in(web, CHAIR)
    await post_form(web, assembly, f"{assembly}/state", {"to": "motions_open"})
    await sign_in(web, "M00001")
    submitted = await post_form(
        web,
        assembly,
        f"{assembly}/motions",
        {"title": "Free buses", "category": "policy", "text": "Conference calls for free buses."},
    )
    assert submitted.status_code == 303, submitted.text
    motion = submitted.headers["location"]
    await sign_in(web, "M00002")
    await post_form(web, motion, f"{motion}/second", {})
    await sign_in(web, CHAIR)
    await post_form(web, assembly, f"{assembly}/state", {"to": "amendments_open"})
    await post_form(web, motion, f"{motion}/admit", {})
    await sign_in(web, "M00003")
    amended = await post_form(
        web,
        motion,
        f"{motion}/amendments",
        {"action": "replace", "start": "1", "end": "", "text": "Conference calls for trams."},
    )
    assert amended.status_code == 303, amended.text
    amendment = re.findall(r'id="amendment-([0-9a-f-]{36})"', (await web.get(motion)).text)[0]
    await sign_in(web, "M00004")
    await post_form(web, motion, f"{motion}/amendments/{amendment}/second", {})
    return motion, amendment


async def test_only_the_chair_admits_an_amendment_on_the_api_and_the_page(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]], db_session: AsyncSession
) -> None:
    admin = api("ADMIN1", "admin")
    assembly = await _assembly(web, admin, CHAIR)
    await _assembly(web, admin, OTHER_CHAIR)
    motion, amendment = await _submitted_amendment(web, assembly)
    admit = f"/api/v1{motion}/amendments/{amendment}/admit"

    for caller in (api("M00005"), admin, api(OTHER_CHAIR, "chair")):
        refused = await web.post(admit, headers=caller)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "chair of this assembly" in refused.json()["detail"]

    await sign_in(web, "M00005")
    assert f"{motion}/amendments/{amendment}/admit" not in (await web.get(motion)).text
    refused_page = await post_form(web, motion, f"{motion}/amendments/{amendment}/admit", {})
    assert refused_page.status_code == 403
    assert "text/html" in refused_page.headers["content-type"]
    assert "chair of this assembly" in refused_page.text

    # The domain function refuses by itself: the chair of another assembly gets nowhere even
    # without a route in front of it.
    with pytest.raises(NotChair):
        await amendments.admit_amendment(db_session, uuid.UUID(amendment), chair=OTHER_CHAIR)
    await db_session.rollback()

    shown = await web.get(f"/api/v1{motion}/amendments/{amendment}", headers=api("M00005"))
    assert shown.status_code == 200, shown.text
    assert shown.json()["state"] == "submitted"

    await sign_in(web, CHAIR)
    admitted = await post_form(web, motion, f"{motion}/amendments/{amendment}/admit", {})
    assert admitted.status_code == 303, admitted.text
