"""The returning officer's and the auditor's pages: a contest defined, opened, closed,
counted, previewed and published through forms alone; the log's key, checkpoint and bundles."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx

from tests.web.conftest import csrf_of, define_contest, finish_contest, post_form, sign_in


async def test_a_returning_officer_runs_a_contest_from_definition_to_publication(
    web: httpx.AsyncClient,
) -> None:
    await sign_in(web, "RO1")
    desk = await web.get("/officer")
    assert "No contests yet." in desk.text
    form = await web.get("/officer/contests/new")
    token = csrf_of(form.text)
    refused = await web.post(
        "/officer/contests",
        data={"csrf": token, "title": "Chair of the branch", "kind": "election", "seats": "1"},
    )
    assert refused.status_code in (400, 422)
    assert "an election needs candidates" in refused.text
    assert 'value="Chair of the branch"' in refused.text, "what was typed is kept"

    created = await web.post(
        "/officer/contests",
        data={
            "csrf": token,
            "title": "Chair of the branch",
            "kind": "election",
            "scope": "branch:glasgow",
            "secret": "on",
            "candidates": "Aisha Khan; gender=woman\nBen Reid",
            "seats": "1",
        },
    )
    assert created.status_code == 303
    page_path = created.headers["location"]
    contest_id = page_path.rsplit("/", 1)[1]
    draft = await web.get(page_path)
    assert "Draft" in draft.text
    assert "Open for voting" in draft.text

    opened = await post_form(web, page_path, f"{page_path}/open", {})
    assert opened.status_code == 303
    live = await web.get(page_path)
    assert "0 of 2 have voted" in live.text
    assert 'data-stream="/officer/contests/' in live.text

    await sign_in(web, "M00001")  # Glasgow
    ballot = await web.get(f"/contests/{contest_id}")
    names = re.findall(r'name="(rank-[^"]+)"', ballot.text)
    cast = await web.post(
        f"/contests/{contest_id}/cast",
        data={"csrf": csrf_of(ballot.text), names[1]: "1", names[0]: "2"},
    )
    assert cast.status_code == 200

    await sign_in(web, "RO1")
    assert "1 of 2 have voted" in (await web.get(page_path)).text
    # Closing asks first: the page links to a summary, and a press that skips it changes nothing.
    assert f'href="{page_path}/close/confirm"' in (await web.get(page_path)).text
    skipped = await post_form(web, page_path, f"{page_path}/close", {})
    assert skipped.headers["location"] == f"{page_path}/close/confirm"
    assert "1 of 2 have voted" in (await web.get(page_path)).text  # still open
    summary = await web.get(f"{page_path}/close/confirm")
    assert "1 of 2 have voted" in summary.text
    assert "can no longer vote" in summary.text
    closed = await post_form(
        web, f"{page_path}/close/confirm", f"{page_path}/close", {"confirmed": "yes"}
    )
    assert closed.headers["location"] == page_path
    stream = await web.get(f"{page_path}/turnout/stream")  # closed: one last event, then ends
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert "event: turnout" in stream.text
    assert '"voted":1' in stream.text
    await post_form(web, f"{page_path}/count/confirm", f"{page_path}/count", {"confirmed": "yes"})
    preview = await web.get(page_path)
    assert "not yet published" in preview.text
    assert "Certify and publish" in preview.text
    assert "<li>Ben Reid</li>" in preview.text
    await sign_in(web, "M00001")
    assert (await web.get(f"/contests/{contest_id}/results")).status_code == 409

    await sign_in(web, "RO1")
    confirm = f"{page_path}/publish/confirm"
    published = await post_form(web, confirm, f"{page_path}/publish", {"confirmed": "yes"})
    assert published.status_code == 303
    assert "The published result" in (await web.get(page_path)).text
    again = await post_form(web, confirm, f"{page_path}/publish", {"confirmed": "yes"})
    assert again.status_code == 409
    assert "cannot be published" in again.text


async def test_members_cannot_use_the_officers_desk(web: httpx.AsyncClient) -> None:
    await sign_in(web, "M00001")
    refused = await web.get("/officer")
    assert refused.status_code == 403
    assert "this needs the role returning_officer" in refused.text


async def test_the_auditor_gets_the_key_checkpoint_bundle_and_commands(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    contest = await define_contest(web, api, {"title": "Budget", "kind": "motion"})
    await sign_in(web, "M00001")
    ballot = await web.get(f"/contests/{contest['id']}")
    await web.post(
        f"/contests/{contest['id']}/cast", data={"csrf": csrf_of(ballot.text), "choice": "for"}
    )
    await finish_contest(web, api, contest["id"])
    await sign_in(web, "AUDIT1")
    page = await web.get("/audit")
    assert page.status_code == 200
    key = (await web.get("/api/v1/audit/key")).text.strip()
    assert key in page.text
    assert "plenary verify-log --url https://plenary.test --key log.vkey" in page.text
    assert f"plenary verify bundle-{contest['id']}.json --key log.vkey" in page.text
    bundle = await web.get(f"/contests/{contest['id']}/bundle.json")
    assert bundle.status_code == 200
    assert "attachment" in bundle.headers["content-disposition"]
    document = json.loads(bundle.content)
    assert document["manifest"]["title"] == "Budget"
