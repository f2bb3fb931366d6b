"""Logging for the server: every line is one JSON object. Access lines are built whole by
web/observability.py; every other record (programhub's, uvicorn's, SQLAlchemy's) is
rendered by structlog with its time, level, logger, the request id of the request being
served (bound in a context variable), and any traceback."""

from __future__ import annotations

from typing import Any

import structlog


def _json_formatter() -> dict[str, Any]:
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": [
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        ],
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            structlog.processors.JSONRenderer(sort_keys=False),
        ],
    }


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A dictConfig for uvicorn and programhub; uvicorn's own access log is off (ours is richer)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": _json_formatter(),
            "json_line": {"format": "%(message)s"},  # access lines are JSON already
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "json_line", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "programhub.access": {"handlers": ["access"], "level": level, "propagate": False},
            "programhub": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "sqlalchemy": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }
