"""uvicorn's own log lines as JSON, shaped like the service's (``event``, ``level``,
``timestamp``), for ``plenary serve``.

uvicorn configures its loggers (``uvicorn``, ``uvicorn.error``, ``uvicorn.access``) itself,
with coloured text formatters, before the application's logging is set up; ``log_config``
hands it this dictionary instead, with the same structlog formatter Litestar gives the
standard library's loggers. Its access lines stay off (``service.request_log`` writes one line
per request, with the request id and duration, and without the query string).
"""

from __future__ import annotations

from typing import Any

import structlog
from litestar.logging.config import default_structlog_standard_lib_processors

__all__ = ["uvicorn_log_config"]


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` dictionary for uvicorn's loggers at ``level``
    (``"INFO"``, ``"WARNING"``, …)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": default_structlog_standard_lib_processors(as_json=True),
            }
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            name: {"handlers": ["json"], "level": level.upper(), "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
