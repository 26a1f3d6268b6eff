"""Every table the service owns, imported in one place so Alembic and the tests see them all."""

from __future__ import annotations

from advanced_alchemy.base import orm_registry
from sqlalchemy import MetaData

import assembly.elections.election_models
import assembly.meetings.floor_models
import assembly.models
import assembly.petitions.recall_models
import assembly.sortition.sortition_models
import audit.store
import roll.grants
import roll.models
import service.migrate
import service.ratelimit
import service.sessions.store
import service.signin.store
import voting.models

__all__ = ["metadata"]

_MODULES = (
    roll.models,
    assembly.models,
    assembly.elections.election_models,
    assembly.meetings.floor_models,
    assembly.petitions.recall_models,
    assembly.sortition.sortition_models,
    roll.grants,
    service.migrate,
    service.ratelimit,
    service.sessions.store,
    service.signin.store,
    voting.models,
)

# The ORM models share advanced-alchemy's registry; the audit store keeps its own plain tables
# so that ``audit`` needs nothing beyond SQLAlchemy.
metadata: list[MetaData] = [orm_registry.metadata, audit.store.metadata]
