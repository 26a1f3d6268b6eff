"""What a member copies works as shown: each audit command is its own block (two used to run
together on one line), and the receipt's "Copy" button shows only where its script runs."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from service.web import STATIC
from tests.web.conftest import define_contest, finish_contest, sign_in


async def test_each_audit_command_is_a_block_of_its_own(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    election = await define_contest(
        web,
        api,
        {
            "title": "Treasurer",
            "kind": "election",
            "seats": 1,
            "method": "irv",
            "candidates": [{"name": "Aisha"}, {"name": "Bethan"}],
        },
    )
    await finish_contest(web, api, election["id"])
    await sign_in(web, "M00001")
    page = (await web.get("/audit")).text
    commands = re.findall(r'<pre class="command" tabindex="0"><code>([^<]*)</code></pre>', page)
    assert f"plenary verify bundle-{election['id']}.json --key log.vkey" in commands
    assert f"python -m tally count ballots-{election['id']}.blt --rule irv" in commands
    assert all("\n" not in c for c in commands)


def test_a_hidden_button_stays_hidden_without_its_script() -> None:
    """The Copy button is ``hidden`` until copy.js finds a clipboard; the stylesheet's
    ``button{display:inline-block}`` must not show it anyway."""
    css = (STATIC / "plenary.css").read_text(encoding="utf-8")
    assert "[hidden]{display:none!important}" in css
