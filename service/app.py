"""``create_app()``: the Litestar application, assembled from plugins.

Database (advanced-alchemy, asyncpg), structured logs that never carry bodies, tokens or
cookies, Prometheus metrics, OpenAPI 3.1 with a documentation page at ``/schema`` (it loads
nothing from elsewhere), problem+json errors, and bearer-token authentication for everything
under ``/api/v1`` that does not opt out.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Sequence
from typing import Any

import structlog
from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar
from litestar.datastructures import State
from litestar.logging.config import StructLoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin
from litestar.types import ControllerRouterHandler

from service.api_docs import ApiDocsPlugin
from service.app_router import AppRouter
from service.auth import AuthMiddleware, TokenVerifier
from service.checkpointer import audit_log_lifespan
from service.database import engine_options, locate_database
from service.due_work import due_work_lifespan
from service.errors import exception_handlers, log_exception
from service.keys import ballot_keys_dir, load_verification_keys
from service.limits import BodySizeLimitMiddleware
from service.operation_ids import operation_id
from service.problem_docs import document_problems
from service.ratelimit import RateLimitMiddleware, rate_limit_headers_hook
from service.request_log import observe_requests
from service.routes import contests, identity, members, sign_in_grants, system
from service.routes.assemblies import AssemblyController
from service.routes.audit import AuditLogController
from service.routes.documents import DocumentController, ResultSheetController
from service.routes.elections import ElectionController, NominationController
from service.routes.floor import BranchController, FloorController
from service.routes.motions import MotionController
from service.routes.petitions import OfficeController, PetitionController
from service.routes.sortition import SortitionController
from service.routes.speakers import SpeakersController
from service.security_headers import security_headers_hook
from service.settings import Settings
from service.signin.mailer import mail_outbox_lifespan
from service.signin.oidc_lifespan import oidc_lifespan
from service.signin.oidc_settings import OidcSettings
from service.signin.settings import SignInSettings
from service.web import web_router
from service.web.errors import app_exception_handlers
from voting.sealing import use_ballot_keys

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"

# Paths that answer without a token. Everything else under the app needs one unless its
# handler says ``exclude_from_auth=True``.
_PUBLIC = ["^/health$", "^/ready$", "^/metrics", "^/schema"]

_VERSION = "0.1.0"


class MetricsController(PrometheusController):
    """``/metrics`` for Prometheus: an operator's endpoint in the text exposition format, not
    part of the JSON API, so it stays out of the OpenAPI document."""

    include_in_schema = False


def _resolve_database_url(settings: Settings) -> str:
    """The SQLAlchemy URL, starting the embedded server when none is configured."""

    def run() -> str:
        return asyncio.run(locate_database(settings)).url

    # Work in a fresh thread so this is safe whether or not an event loop is running here.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _logging(settings: Settings) -> StructlogPlugin:
    level = logging.getLevelNamesMapping()[settings.log_level]
    logs = StructLoggingConfig(
        log_exceptions="always",
        exception_logging_handler=log_exception,
        wrapper_class=structlog.make_filtering_bound_logger(level),
    )
    logging.getLogger().setLevel(level)
    # Alembic announces its dialect on every readiness check; that is not news.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return StructlogPlugin(
        config=StructlogConfig(
            structlog_logging_config=logs,
            # Request lines come from ``service.request_log``, which sees every answer (with
            # its request id and duration), not from Litestar's per-route logging middleware.
            enable_middleware_logging=False,
        )
    )


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Plenary",
        version=_VERSION,
        description=(
            "Motions, amendments, STV elections, recall petitions and sortition for a membership "
            "organisation. Errors are RFC 9457 problem+json. Send `Authorization: Bearer <token>`."
        ),
        path="/schema",
        render_plugins=[ApiDocsPlugin()],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
        security=[{"BearerToken": []}],
        use_handler_docstrings=True,
        operation_id_creator=operation_id,
    )


def api_handlers() -> list[ControllerRouterHandler]:
    """Everything mounted under ``/api/v1``. Each capability adds its routes here."""
    return [
        identity.me,
        members.import_members,
        sign_in_grants.sign_in_grants,
        sign_in_grants.add_sign_in_grant,
        sign_in_grants.revoke_sign_in_grant,
        contests.ContestController,
        AuditLogController,
        AssemblyController,
        MotionController,
        SpeakersController,
        ElectionController,
        NominationController,
        OfficeController,
        PetitionController,
        SortitionController,
        FloorController,
        BranchController,
        DocumentController,
        ResultSheetController,
    ]


def create_app(
    settings: Settings | None = None,
    *,
    extra_handlers: Sequence[ControllerRouterHandler] = (),
) -> Litestar:
    """Build the application. With no ``DATABASE_URL`` this starts the embedded PostgreSQL."""
    settings = settings or Settings.from_env()
    url = (
        settings.database_url
        if settings.database_url and settings.database_url.startswith("postgresql+asyncpg://")
        else _resolve_database_url(settings)
    )
    settings = settings.with_(database_url=url)
    verifier = TokenVerifier(load_verification_keys(settings), settings)
    use_ballot_keys(ballot_keys_dir(settings))
    SignInSettings.for_service(settings)  # a bad sign-in or mail setting stops startup, named
    OidcSettings.for_service(settings)  # and so does a bad provider setting

    db = SQLAlchemyAsyncConfig(
        connection_string=url,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        engine_config=_engine_config(settings),
        create_all=False,
    )

    prometheus = PrometheusConfig(app_name="plenary", prefix="plenary", group_path=True)
    api = AppRouter(path=API_PREFIX, route_handlers=[*api_handlers(), *extra_handlers])
    app = Litestar(
        route_handlers=[system.health, system.ready, MetricsController, api, web_router()],
        plugins=[SQLAlchemyPlugin(config=db), _logging(settings)],
        lifespan=[
            audit_log_lifespan,
            due_work_lifespan,
            mail_outbox_lifespan,
            oidc_lifespan,
        ],
        middleware=[
            prometheus.middleware,
            DefineMiddleware(BodySizeLimitMiddleware, settings=settings),
            DefineMiddleware(
                RateLimitMiddleware, settings=settings, engine_key=db.engine_app_state_key
            ),
            DefineMiddleware(
                AuthMiddleware, exclude=_PUBLIC, exclude_from_auth_key="exclude_from_auth"
            ),
        ],
        # BodySizeLimitMiddleware applies the caps (PLENARY_MAX_BODY_BYTES, and the roll
        # import's PLENARY_MAX_CSV_BYTES), so Litestar's own 10 MB default stays out of it.
        request_max_body_size=None,
        before_send=[security_headers_hook(settings), rate_limit_headers_hook()],
        exception_handlers=app_exception_handlers(exception_handlers),
        openapi_config=_openapi(),
        state=State(
            {
                "settings": settings,
                "token_verifier": verifier,
                # advanced-alchemy makes the key unique per app in a process: say where it is.
                "db_engine_key": db.engine_app_state_key,
            }
        ),
        debug=settings.debug,
    )
    document_problems(app)
    observe_requests(
        app, log_lines=logging.getLevelNamesMapping()[settings.log_level] <= logging.INFO
    )
    return app


def _engine_config(settings: Settings) -> Any:
    from advanced_alchemy.config import EngineConfig

    return EngineConfig(
        connect_args=engine_options(settings)["connect_args"],
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
    )
