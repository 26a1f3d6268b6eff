"""Generated JSON Schemas are the same however and wherever they are generated."""

from __future__ import annotations

import subprocess
import sys

import msgspec

from schemas.documents import json_schema_text, normalised
from tests.conftest import ROOT

_GENERATE = "from schemas.bundle import bundle_json_schema; print(bundle_json_schema(), end='')"


def _generated_in_a_fresh_process(first_imports: str) -> str:
    code = f"{first_imports}\n{_GENERATE}"
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return run.stdout


def test_bundle_schema_is_the_same_whichever_modules_were_imported_first() -> None:
    alone = _generated_in_a_fresh_process("")
    after_the_app = _generated_in_a_fresh_process(
        "from service.app import create_app\nimport voting.bundle, schemas.contests"
    )
    assert alone == after_the_app
    assert alone == (ROOT / "schemas" / "json" / "bundle.schema.json").read_text(encoding="utf-8")


class _Indented(msgspec.Struct):
    """First line.

    An indented second paragraph, as Python 3.11 keeps it.
    """

    value: int


def test_descriptions_are_dedented_whatever_the_docstring_indentation() -> None:
    text = json_schema_text(_Indented, "t")
    assert "First line.\\n\\nAn indented second paragraph" in text
    assert "        An indented" not in text
    assert normalised({"description": "  a\n    b", "x": [{"description": "\n c"}]}) == {
        "description": "a\nb",
        "x": [{"description": "c"}],
    }
