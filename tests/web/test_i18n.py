"""One translation layer: every message the pages use is in both catalogues, the Welsh keeps
every placeholder, and a member can switch the voting path to Welsh."""

from __future__ import annotations

import html
import re
import string
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from service.web.i18n import (
    LOCALES,
    catalogue,
    choose_language,
    message_ids_in,
    parse_po,
    translator,
)
from tests.web.conftest import csrf_of, define_contest, sign_in

WEB = Path(__file__).resolve().parents[2] / "service" / "web"


def _used() -> set[str]:
    texts = [
        p.read_text(encoding="utf-8")
        for p in sorted(WEB.rglob("*"))
        if p.suffix in (".py", ".html") and p.name != "i18n.py"
    ]
    return {m for m in message_ids_in(texts) if m}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_the_pages_use_is_in_both_catalogues() -> None:
    used = _used()
    assert len(used) > 200
    english = set(parse_po((LOCALES / "en.po").read_text(encoding="utf-8")))
    welsh = catalogue("cy")
    assert used - english == set(), "add these to locales/en.po"
    assert used - set(welsh) == set(), "translate these in locales/cy.po"
    assert set(welsh) - used == set(), "these Welsh messages are no longer used"


def test_welsh_keeps_every_placeholder() -> None:
    for message, welsh in catalogue("cy").items():
        assert _fields(welsh) == _fields(message), message


def test_po_files_read_continuations_and_escapes() -> None:
    po = '# note\nmsgid ""\nmsgstr "header"\n\nmsgid "a \\"b\\""\nmsgstr "c"\n"d\\n"\n'
    parsed = parse_po(po)
    assert parsed == {'a "b"': "cd\n"}
    with pytest.raises(ValueError, match="line 1"):
        parse_po("nonsense")


def test_the_language_is_the_members_choice_then_their_browsers() -> None:
    assert choose_language("cy", "en-GB") == "cy"
    assert choose_language(None, "cy-GB,en;q=0.5") == "cy"
    assert choose_language(None, "fr, en;q=0.3, cy;q=0.8") == "cy"
    assert choose_language(None, "fr") == "en"
    assert choose_language("xx", None) == "en"
    assert translator("cy")("Voting closes {when}", when="09:00") == "Mae'r bleidlais yn cau 09:00"


async def test_a_member_switches_to_welsh_and_votes_in_welsh(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    motion = await define_contest(web, api, {"title": "Trafnidiaeth", "kind": "motion"})
    await sign_in(web, "M00004")
    switched = await web.get("/language/cy", params={"next": "/home"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/home"
    home = html.unescape((await web.get("/home")).text)
    assert '<html lang="cy">' in home
    assert "Eich pleidleisiau a'ch cyfarfodydd" in home
    assert "Pleidleisio nawr" in home

    ballot = await web.get(f"/contests/{motion['id']}")
    assert "Eich pleidlais" in ballot.text
    assert "O blaid" in ballot.text
    token = csrf_of(ballot.text)
    empty = await web.post(f"/contests/{motion['id']}/review", data={"csrf": token})
    assert "Dewiswch un o'r atebion." in html.unescape(empty.text)
    review = await web.post(
        f"/contests/{motion['id']}/review", data={"csrf": token, "choice": "abstain"}
    )
    assert "Gwirio eich pleidlais" in review.text
    assert "<strong>Ymatal</strong>" in review.text
    cast = await web.post(
        f"/contests/{motion['id']}/cast", data={"csrf": token, "choice": "abstain"}
    )
    receipt_page = html.unescape(cast.text)
    assert "Mae eich pleidlais wedi'i chofnodi" in receipt_page
    assert "Llwytho i lawr fel ffeil" in receipt_page
    leftovers = [m for m in _used() if len(m) > 12 and re.search(re.escape(m), receipt_page)]
    assert leftovers == [], "English left on the Welsh receipt page"
    english = await web.get("/language/en", params={"next": "/home"})
    assert english.status_code == 303
    assert '<html lang="en">' in (await web.get("/home")).text
