"""``plenary verify``: a genuine bundle verifies; every kind of tampering fails, named.

The bundles come from one service on its own fresh PostgreSQL database, built once for this
module through HTTP (a secret motion, a recorded motion, a ranked election); each test then
tampers with a copy and runs the verifier as an auditor would.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from audit.checkpoint import parse_checkpoint, sign_checkpoint
from audit.note import generate_signer_key, parse_signer_key
from service.app import create_app
from service.auth import issue_token
from service.cli import main as plenary
from service.database import create_database, drop_database, with_database
from service.keys import ensure_private_key, load_private_key
from service.settings import Settings
from tests.conftest import running
from tests.voting.conftest import ROLL, Contests, import_roll
from voting.verify import verify_bundle_bytes

ROOT = Path(__file__).resolve().parents[2]

BundleJson = dict[str, Any]


@pytest.fixture(scope="module")
async def published(
    pg_admin_url: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    """Bundles of three published contests, the log's key and one voter's receipt token."""
    name = f"plenary_test_{os.getpid()}_verify"
    await drop_database(pg_admin_url, name)
    await create_database(pg_admin_url, name, template=template_database)
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("verify") / "plenary",
        database_url=with_database(pg_admin_url, name),
    )
    key = load_private_key(ensure_private_key(settings)[0])

    def auth(subject: str, *roles: str) -> dict[str, str]:
        token = issue_token(key, settings, subject=subject, roles=roles or ("member",))
        return {"Authorization": f"Bearer {token}"}

    app = create_app(settings)
    out: dict[str, Any] = {}
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://plenary.test") as c:
            await import_roll(c, auth, ROLL)
            contests = Contests(c, auth("RO1", "returning_officer"), auth)
            motion = await contests.create(title="Free school meals", kind="motion")
            recorded = await contests.create(title="Delegates", kind="motion", secret=False)
            election = await contests.create(
                title="Executive",
                kind="election",
                seats=2,
                candidates=[{"name": "Ada"}, {"name": "Bea"}, {"name": "Cal"}],
            )
            for contest in (motion, recorded, election):
                await contests.step(contest, "open")
            for member, choice in [("S1", "for"), ("S2", "for"), ("S3", "against")]:
                receipt = await contests.cast(motion, member, {"choice": choice})
                await contests.cast(recorded, member, {"choice": choice})
            out["receipt"] = receipt.json()["receipt"]
            ids = [c["id"] for c in election["candidates"]]
            for n, order in enumerate([(0, 1), (0, 2), (1, 0), (2, 1), (0,)], start=1):
                await contests.cast(election, f"W{n}", {"ranking": [ids[i] for i in order]})
            for contest in (motion, recorded, election):
                await contests.run_to_published(contest)
                got = await c.get(f"/api/v1/contests/{contest['id']}/bundle", headers=auth("W1"))
                assert got.status_code == 200, got.text
                out[contest["title"]] = got.content
            out["key"] = (await c.get("/api/v1/audit/key", headers=auth("W1"))).text.strip()
    yield {
        "motion": out["Free school meals"],
        "recorded": out["Delegates"],
        "election": out["Executive"],
        "key": out["key"],
        "receipt": out["receipt"],
    }
    await drop_database(pg_admin_url, name)


def _run(tmp_path: Path, bundle: BundleJson | bytes, *args: str) -> int:
    """``plenary verify`` on ``bundle`` written to a file; its exit status."""
    path = tmp_path / "bundle.json"
    path.write_bytes(bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode())
    return plenary(["verify", str(path), *args])


def _verify(tmp_path: Path, capsys: pytest.CaptureFixture[str], bundle: Any, *args: str) -> str:
    """Run ``plenary verify`` on ``bundle``; assert it fails; return what it printed."""
    code = _run(tmp_path, bundle, *args)
    out = capsys.readouterr().out
    assert code == 1, out
    assert "NOT VERIFIED" in out
    return out


def _entry(bundle: BundleJson, kind: str) -> dict[str, Any]:
    for item in bundle["log"]["entries"]:
        if json.loads(item["entry"])["type"] == kind:
            return item  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} entry")


# --- tampering, each named -------------------------------------------------------------------


def _change_a_ballot(b: BundleJson) -> None:
    b["ballots"][0] = {"choice": "for" if b["ballots"][0]["choice"] != "for" else "against"}


def _remove_a_ballot(b: BundleJson) -> None:
    b["ballots"].pop()


def _add_a_ballot(b: BundleJson) -> None:
    b["ballots"].append({"choice": "for"})
    b["ballots"].sort(key=lambda x: json.dumps(x, separators=(",", ":")))


def _change_a_receipt_hash(b: BundleJson) -> None:
    h = b["box"]["receipt_hashes"][1]
    b["box"]["receipt_hashes"][1] = h[:-1] + ("0" if h[-1] != "0" else "1")


def _edit_the_result(b: BundleJson) -> None:
    b["result"]["outcome"] = "lost"
    b["result"]["figures"]["outcome"] = "lost"


def _edit_a_log_entry(b: BundleJson) -> None:
    item = _entry(b, "contest.closed")
    document = json.loads(item["entry"])
    document["facts"]["voters"] += 1
    item["entry"] = json.dumps(document, separators=(",", ":"), sort_keys=True)


def _flip_a_signature_byte(b: BundleJson) -> None:
    text, _, signatures = b["log"]["checkpoint"].rpartition("\n\n")
    prefix, _, sig64 = signatures.rstrip("\n").rpartition(" ")
    raw = bytearray(base64.b64decode(sig64))
    raw[10] ^= 0x01  # a byte of the signature itself, after the 4-byte key id
    b["log"]["checkpoint"] = f"{text}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"


def _retitle_the_manifest(b: BundleJson) -> None:
    b["manifest"]["title"] = "Something else"


TAMPERING: list[tuple[str, Callable[[BundleJson], None], str, str]] = [
    ("one ballot changed", _change_a_ballot, "ballots digest", "a ballot was added, removed"),
    ("one ballot removed", _remove_a_ballot, "ballots digest", "a ballot was added, removed"),
    ("one ballot added", _add_a_ballot, "counts", "4 ballots, 3 receipts and 3 voters"),
    ("a receipt hash changed", _change_a_receipt_hash, "receipts root", "a receipt was added"),
    ("the result edited", _edit_the_result, "recount", "the result was edited"),
    ("a log entry edited", _edit_a_log_entry, "log inclusion", "is not the entry the log signed"),
    ("a signature byte flipped", _flip_a_signature_byte, "log signature", "invalid signature"),
    ("the manifest retitled", _retitle_the_manifest, "manifest", "not the contest that was run"),
]


@pytest.mark.parametrize(
    ("what", "tamper", "check", "words"), TAMPERING, ids=[t[0] for t in TAMPERING]
)
def test_tampered_bundle_fails_naming_the_problem(
    published: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    what: str,
    tamper: Callable[[BundleJson], None],
    check: str,
    words: str,
) -> None:
    bundle = json.loads(published["motion"])
    tamper(bundle)
    out = _verify(tmp_path, capsys, bundle, "--key", published["key"])
    assert f"FAILED  {check}: " in out, out
    assert words in out, out


def test_genuine_bundles_verify_and_name_what_was_checked(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for kind in ("motion", "recorded", "election"):
        code = _run(tmp_path, published[kind], "--key", published["key"])
        out = capsys.readouterr().out
        assert code == 0, out
        assert "FAILED" not in out
    checks = {f.check for f in verify_bundle_bytes(published["election"]).findings}
    assert checks == {
        "log signature",
        "log inclusion",
        "log records",
        "manifest",
        "counts",
        "receipts root",
        "ballots digest",
        "ballots valid",
        "recount",
        "BLT export",
    }


def test_ballots_removed_with_the_counts_made_to_match_still_fail_against_the_log(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = json.loads(published["motion"])
    bundle["ballots"].pop()
    bundle["box"]["receipt_hashes"].pop()
    bundle["box"]["ballots"] = bundle["box"]["receipts"] = bundle["roll"]["voters"] = 2
    out = _verify(tmp_path, capsys, bundle, "--key", published["key"])
    assert "FAILED  log records: the log's contest.closed entry" in out
    assert "records number of ballots 3 but the bundle has 2" in out
    assert "FAILED  ballots digest" in out
    assert "FAILED  receipts root" in out


def test_a_bundle_re_signed_with_another_key_is_not_verified_without_a_pin(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A forger re-signs the checkpoint with their own key and names it in the bundle."""
    bundle = json.loads(published["motion"])
    forger = parse_signer_key(generate_signer_key(bundle["log"]["origin"])[0])
    note = bundle["log"]["checkpoint"]
    body = note[: note.index("\n\n") + 1]
    bundle["log"]["checkpoint"] = sign_checkpoint(parse_checkpoint(body), forger)
    bundle["log"]["verifier_key"] = forger.verifier().key_string()
    code = _run(tmp_path, bundle)
    out = capsys.readouterr().out
    assert code == 3, out
    assert "consistent, but signed by a key you did not pin" in out
    assert _run(tmp_path, bundle, "--key", published["key"]) == 1
    capsys.readouterr()


def test_a_key_other_than_the_pinned_one_is_refused(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = parse_signer_key(generate_signer_key("plenary.example/log")[0])
    out = _verify(tmp_path, capsys, published["motion"], "--key", other.verifier().key_string())
    assert "FAILED  log signature: the bundle names log key" in out
    assert "not validly signed" in out
    key_file = tmp_path / "log.vkey"
    key_file.write_text(published["key"] + "\n")
    code = _run(tmp_path, published["motion"], "--key", str(key_file))
    assert code == 0, capsys.readouterr().out


def test_invalid_ranked_ballot_is_named_and_not_recounted(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = json.loads(published["election"])
    bundle["ballots"][0] = {"ranking": [1, 1]}
    out = _verify(tmp_path, capsys, bundle)
    assert "FAILED  ballots valid: ballot 1 " in out
    assert "ranks an option twice" in out
    assert "FAILED  recount: not recounted: some ballots are invalid" in out


def test_blt_holding_other_ballots_fails(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = json.loads(published["election"])
    lines = bundle["blt"].split("\n")
    lines[1] = "2" + lines[1][1:]  # the first ballot line now counts twice
    bundle["blt"] = "\n".join(lines)
    out = _verify(tmp_path, capsys, bundle)
    assert "FAILED  BLT export: the BLT file holds other ballots than the bundle" in out


def test_roll_call_must_match_the_ballots_counted(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = json.loads(published["recorded"])
    assert {v["member"] for v in bundle["roll_call"]} == {"S1", "S2", "S3"}
    vote = next(v for v in bundle["roll_call"] if v["ballot"]["choice"] == "against")
    vote["ballot"]["choice"] = "for"
    out = _verify(tmp_path, capsys, bundle)
    assert "FAILED  roll call: the roll call's ballots are not the ballots counted" in out
    secret = json.loads(published["motion"])
    secret["roll_call"] = bundle["roll_call"]
    out = _verify(tmp_path, capsys, secret)
    assert "FAILED  roll call: a secret contest's bundle must not say who voted how" in out


def test_a_voter_finds_their_receipt_in_the_box(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _run(tmp_path, published["motion"], "--receipt", published["receipt"])
    out = capsys.readouterr().out
    assert code == 3, out  # no key pinned
    assert "ok      your receipt: is in the committed box" in out
    stranger = base64.urlsafe_b64encode(b"\x07" * 32).decode().rstrip("=")
    out = _verify(tmp_path, capsys, published["motion"], "--receipt", stranger)
    assert "FAILED  your receipt: is NOT in the committed box" in out
    # A token may begin with "-" (URL-safe base64); it is still taken as the receipt.
    dashed = base64.urlsafe_b64encode(b"\xf8" + b"\x07" * 31).decode().rstrip("=")
    assert dashed.startswith("-")
    out = _verify(tmp_path, capsys, published["motion"], "--receipt", dashed)
    assert "FAILED  your receipt: is NOT in the committed box" in out


def test_a_file_that_is_not_a_bundle_fails_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _verify(tmp_path, capsys, {"format": "plenary.bundle/v1", "contest": "x"})
    assert "FAILED  bundle format" in out
    assert "missing required field" in out
    assert plenary(["verify", str(tmp_path / "absent.json")]) == 2


# --- the auditor's side needs no service -----------------------------------------------------

SERVICE_SIDE = {"litestar", "sqlalchemy", "asyncpg", "advanced_alchemy", "service", "assembly"}
PURE_VOTING = {
    "voting",
    "voting.verify",
    "voting.counting",
    "voting.box",
    "voting.ballots",
    "voting.definition",
    "voting.majority",
    "roll.scope",
    "voting.verify_box",
    "voting.verify_log",
    "voting.verify_report",
}


def test_verifier_imports_nothing_from_the_service_side() -> None:
    code = "import json, sys\nimport voting.verify\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(done.stdout))
    assert not {m.split(".")[0] for m in loaded} & SERVICE_SIDE
    assert {m for m in loaded if m.split(".")[0] == "voting"} <= PURE_VOTING


def test_the_purity_check_would_notice_a_service_import() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, voting.bundle; print(json.dumps(list(sys.modules)))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "sqlalchemy" in {m.split(".")[0] for m in json.loads(done.stdout)}


def test_python_m_voting_verify_runs_on_its_own(published: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(published["election"])
    done = subprocess.run(
        [sys.executable, "-m", "voting.verify", str(path), "--key", published["key"]],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok      recount: recounted with tally" in done.stdout
