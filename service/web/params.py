"""The path and query parameters the pages share, declared once."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar.params import PathParameter, QueryParameter

__all__ = ["AmendmentId", "AssemblyId", "ContestId", "MotionId", "NextPath", "Text"]

ContestId = Annotated[uuid.UUID, PathParameter(description="the contest's id")]
AssemblyId = Annotated[uuid.UUID, PathParameter(description="the assembly's id")]
AmendmentId = Annotated[uuid.UUID, PathParameter(description="the amendment's id")]
MotionId = Annotated[uuid.UUID, PathParameter(description="the motion's id")]
NextPath = Annotated[str | None, QueryParameter(required=False, description="where to go next")]
Text = Annotated[str, PathParameter(description="a name or code")]
