"""Structured JSON logs that never carry personal data.

Every record leaving the ``yuecai`` logger tree is one JSON object per line. A
:class:`RedactingFilter` runs first and masks Chinese mobile numbers, 18-character resident ID
numbers and the values of any dict key named like contact details (``name``, ``phone``,
``id_number``, ``email``) — in the message, its arguments and ``extra`` fields — because
candidates' contact details must never reach a log file (see ``data.records.ContactDetails``).

The request id of the current request is kept in :data:`request_id_var` and stamped on every
record, so one request's lines can be found together.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = [
    "SENSITIVE_KEYS",
    "JsonFormatter",
    "RedactingFilter",
    "configure_logging",
    "redact",
    "redact_text",
    "request_id_var",
]

request_id_var: ContextVar[str | None] = ContextVar("yuecai_request_id", default=None)

SENSITIVE_KEYS: frozenset[str] = frozenset({"name", "phone", "id_number", "email"})
MASK = "***"

# An 18-character ID (17 digits + check digit or X) and an optionally +86-prefixed mobile
# number, each standing alone: digits on either side mean it is part of a longer number.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")

# Attributes every LogRecord has; anything else arrived through ``extra=``.
_STANDARD_ATTRS: frozenset[str] = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None))
) | {"message", "asctime", "request_id"}

_HANDLER_MARK = "_yuecai_handler"


def redact_text(text: str) -> str:
    """Mask ID numbers and mobile numbers in free text.

    Examples
    --------
    >>> redact_text("call 13812345678 or +86 13912345678")
    'call [mobile] or [mobile]'
    >>> redact_text("id 44010619900101123X, order 201234567890123456789")
    'id [id_number], order 201234567890123456789'
    """
    return _MOBILE.sub("[mobile]", _ID_NUMBER.sub("[id_number]", text))


def redact(value: Any) -> Any:
    """Return ``value`` with personal data masked, recursing into dicts, lists and tuples.

    Values under a key in :data:`SENSITIVE_KEYS` are replaced whole (a name has no pattern to
    find); strings anywhere are passed through :func:`redact_text`.

    Examples
    --------
    >>> redact({"name": "张三", "city": "广州", "notes": ["tel 13812345678"]})
    {'name': '***', 'city': '广州', 'notes': ['tel [mobile]']}
    """
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: MASK if str(key).lower() in SENSITIVE_KEYS else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact(item) for item in value)
    return value


class RedactingFilter(logging.Filter):
    """Mask personal data in a record's message, arguments and extras; stamp the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place and always keep it."""
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        else:
            record.msg = redact(record.msg)
        if record.args:
            record.args = redact(record.args)
        for key in _extra_keys(record):
            value = record.__dict__[key]
            record.__dict__[key] = MASK if key.lower() in SENSITIVE_KEYS else redact(value)
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise ``record``; tracebacks are redacted too, as exception text may quote input."""
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            payload["request_id"] = request_id
        for key in _extra_keys(record):
            payload[key] = record.__dict__[key]
        if record.exc_info:
            payload["exc"] = redact_text(self.formatException(record.exc_info))
        elif record.exc_text:
            payload["exc"] = redact_text(record.exc_text)
        return json.dumps(payload, ensure_ascii=False, default=str)


class _CurrentStderrHandler(logging.StreamHandler[TextIO]):
    """Write to the current ``sys.stderr`` (test runners swap it), like logging's last resort."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """Ignore: the stream is always the current ``sys.stderr``."""


def configure_logging(level: int | str = logging.INFO) -> logging.Logger:
    """Send the ``yuecai`` logger tree to stderr as redacted JSON; safe to call repeatedly.

    Records still propagate to the root logger (so pytest's ``caplog`` sees them); the root
    logger's own handlers are not touched.
    """
    logger = logging.getLogger("yuecai")
    logger.setLevel(level)
    if not any(getattr(handler, _HANDLER_MARK, False) for handler in logger.handlers):
        handler = _CurrentStderrHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RedactingFilter())
        setattr(handler, _HANDLER_MARK, True)
        logger.addHandler(handler)
    return logger


def _extra_keys(record: logging.LogRecord) -> list[str]:
    return [key for key in record.__dict__ if key not in _STANDARD_ATTRS]
