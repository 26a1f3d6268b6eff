"""JSON Schemas of the documents an auditor reads, generated from their msgspec Structs.

A generated, checked-in artefact must not depend on how it was generated: msgspec copies a
Struct's docstring into ``description`` as it finds it, and Python 3.13 dedents docstrings at
compile time while 3.11 does not, so the same Struct yields different text across versions
and across import paths. Every description is therefore normalised with ``inspect.cleandoc``.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import msgspec

__all__ = ["json_schema_text", "normalised"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def normalised(node: Any) -> Any:
    """``node`` with every ``description`` string cleaned as ``inspect.cleandoc`` does."""
    if isinstance(node, dict):
        return {
            key: inspect.cleandoc(value)
            if key == "description" and isinstance(value, str)
            else normalised(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [normalised(item) for item in node]
    return node


def json_schema_text(document: type[Any], title: str) -> str:
    """The JSON Schema of ``document`` as a checked-in file holds it: normalised descriptions,
    sorted keys, two-space indent, a final newline."""
    schema = normalised(msgspec.json.schema(document))
    schema["$schema"] = DRAFT
    schema["title"] = title
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
