"""JSON logs, one object per line, for the server and the workers."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

_UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")
# LogRecord attributes that are not extras passed with `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, the `extra=` fields, and the exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def logging_config(level: str | int = "INFO") -> dict[str, Any]:
    """A dictConfig sending every logger (uvicorn's and Celery's included) through the JSON formatter."""
    level = logging.getLevelName(level) if isinstance(level, int) else level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    inherit = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        # uvicorn installs its own handlers on these unless told otherwise.
        "loggers": {name: {**inherit, "level": level} for name in _UVICORN},
    }


def configure_logging(level: str | int = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
