"""The modules of ``tally`` import each other as a tree: no cycle, none held together by an
import inside a function or by ``importlib``; the registry (``tally.rules``) is on top of the
rules, constraints are below them, and rounding lives in ``tally.arithmetic``."""

from __future__ import annotations

import ast
from pathlib import Path

TALLY = Path(__file__).resolve().parents[2] / "tally"


def _graph() -> dict[str, set[str]]:
    """Each module of ``tally`` and the ``tally`` modules it imports at its top level."""
    graph: dict[str, set[str]] = {}
    for path in sorted(TALLY.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tally"):
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("tally"))
        graph[f"tally.{path.stem}".removesuffix(".__init__")] = deps
    return graph


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph.get(m, ()))
    return seen


def _optional_imports(tree: ast.Module) -> set[int]:
    """Imports of a module from outside ``tally`` in a top-level ``try`` whose handler catches
    ``ImportError``: the one allowed form of an optional dependency (a solver), which the
    auditor's path must do without."""
    allowed: set[int] = set()
    for node in tree.body:
        if not isinstance(node, ast.Try):
            continue
        if not any(
            isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in node.handlers
        ):
            continue
        for inner in node.body:
            if isinstance(inner, ast.Import) and not any(
                a.name.startswith("tally") for a in inner.names
            ):
                allowed.add(id(inner))
    return allowed


def test_no_module_imports_inside_a_function_or_through_importlib() -> None:
    for path in sorted(TALLY.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = set(map(id, tree.body)) | _optional_imports(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top:
                if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                    continue
                raise AssertionError(f"{path.name}:{node.lineno}: import inside a block")
            if isinstance(node, ast.Name | ast.alias) and "importlib" in (
                getattr(node, "id", None),
                getattr(node, "name", None),
            ):
                raise AssertionError(f"{path.name}: uses importlib")


def test_the_imports_form_a_graph_without_cycles() -> None:
    graph = _graph()
    for module in graph:
        assert module not in _reaches(graph, module), f"{module} imports itself through others"


def test_the_layers_of_the_ranked_count() -> None:
    graph = _graph()
    below_rules = {"tally.transfer", "tally.meek", "tally.constraints", "tally.seeded_lot"}
    assert below_rules <= _reaches(graph, "tally.rules")
    for module in below_rules:
        assert "tally.rules" not in _reaches(graph, module), module
    # constraints are data and checks: they reach no count loop and no lot
    assert not {"tally.transfer", "tally.meek", "tally.seeded_lot", "tally.lot"} & _reaches(
        graph, "tally.constraints"
    )
    # the two loops are siblings: neither reaches the other
    assert "tally.meek" not in _reaches(graph, "tally.transfer")
    assert "tally.transfer" not in _reaches(graph, "tally.meek")
    # what everything stands on imports nothing of the counting core
    for base in ("tally.errors", "tally.arithmetic", "tally.lot"):
        assert not _reaches(graph, base), base


def test_rounding_is_written_only_in_arithmetic() -> None:
    """No floor or ceiling division in the count loops, the rules and the constraints: every
    rounding of votes is one of ``tally.arithmetic``'s (``tally.meek_paths`` still divides
    inline in its inner loops over equal rankings, which this does not cover yet)."""
    for name in ("transfer", "meek", "rules", "constraints", "seeded_lot"):
        tree = ast.parse((TALLY / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.FloorDiv):
                text = ast.unparse(node)
                raise AssertionError(f"tally/{name}.py:{node.lineno}: {text} rounds outside")
