"""States are typed (``schemas.states``): each table's state column is annotated with its
``Literal`` type, the CHECK constraint the database enforces lists exactly that type's values,
and mypy refuses a misspelt state in domain code."""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from advanced_alchemy.base import orm_registry
from sqlalchemy import CheckConstraint

import service.models  # noqa: F401 - registers every table

ROOT = Path(__file__).resolve().parents[1]
STATE_COLUMNS = ("state", "status", "vote_state")
_IN = re.compile(r"^(\w+) IN \((.*)\)$")


def _mapped_classes() -> dict[str, type]:
    return {
        mapper.class_.__tablename__: mapper.class_
        for mapper in orm_registry.mappers
        if hasattr(mapper.class_, "__tablename__")
    }


def _literal_values(cls: type, column: str) -> tuple[str, ...]:
    hint = typing.get_type_hints(cls)[column]
    (inner,) = typing.get_args(hint)  # Mapped[X]
    values: list[str] = []
    for part in typing.get_args(inner) if typing.get_origin(inner) is typing.Union else (inner,):
        if part is type(None):
            continue
        assert typing.get_origin(part) is typing.Literal, f"{cls.__name__}.{column} is {part}"
        values.extend(typing.get_args(part))
    return tuple(values)


def _checked_values(table_name: str, column: str) -> tuple[str, ...] | None:
    for constraint in orm_registry.metadata.tables[table_name].constraints:
        if isinstance(constraint, CheckConstraint):
            found = _IN.match(str(constraint.sqltext))
            if found and found.group(1) == column:
                return tuple(v.strip().strip("'") for v in found.group(2).split(","))
    return None


def _state_columns() -> list[tuple[str, str]]:
    return [
        (table.name, column.name)
        for table in orm_registry.metadata.tables.values()
        for column in table.columns
        if column.name in STATE_COLUMNS
    ]


def test_there_are_state_columns_to_check() -> None:
    assert len(_state_columns()) >= 13


@pytest.mark.parametrize(("table_name", "column"), _state_columns())
def test_each_state_column_is_typed_with_the_values_the_database_checks(
    table_name: str, column: str
) -> None:
    cls = _mapped_classes()[table_name]
    typed = _literal_values(cls, column)
    checked = _checked_values(table_name, column)
    if checked is not None:
        assert typed == checked
    else:
        # Only the motion's vote in the hall has no CHECK (its column predates them).
        assert (table_name, column) == ("motion", "vote_state")


def test_mypy_refuses_a_misspelt_state(tmp_path: Path) -> None:
    """mypy runs in a process of its own: in this one it would raise the recursion limit for
    good (``mypy.main`` sets it to 2**14), and JSON nested a thousand deep would then parse."""
    sample = tmp_path / "misspelt.py"
    sample.write_text(
        "from voting.models import Contest\n"
        "from assembly.models import Motion\n"
        "def close(contest: Contest) -> bool:\n"
        '    contest.state = "clsoed"\n'
        '    return contest.state == "opne"\n'
        "def decided(motion: Motion) -> bool:\n"
        '    return motion.vote_state == "decdied"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--follow-imports",
            "silent",
            str(sample),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    out, status = done.stdout, done.returncode
    assert status == 1, out + done.stderr
    assert "misspelt.py:4: error: Incompatible types in assignment" in out
    assert "misspelt.py:5: error: Non-overlapping equality check" in out
    assert "misspelt.py:7: error: Non-overlapping equality check" in out
