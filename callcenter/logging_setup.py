"""Logging for every process: one line per event in one format, phone numbers masked.

    2026-12-06 19:52:30,362 INFO media_edge.session call=3a6b5d44-…: call … ended: transfer; …

``call=`` is the call id (the call workflow's id) as its own field, ``-`` for lines about no call:
taken from the Temporal SDK's workflow and activity loggers' context, from ``call_context()``, or
from the first call id the message names. uvicorn's own loggers go through the same handler (no
second format). Callers' numbers are masked before anything is written; the shop's own numbers
(the number a caller dialled) are passed as ``ShopNumber`` and stay whole.

The dev stack keeps the previous runs' logs: ``rotate_logs`` moves ``<name>.log`` to
``<name>.log.1`` (and so on, ``KEEP_RUNS`` runs) before a new run writes its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from workflows.masking import mask_phones_in

FORMAT = "%(asctime)s %(levelname)s %(name)s call=%(call_id)s: %(message)s"
KEEP_RUNS = 5
_CALL_ID = contextvars.ContextVar[str | None]("call_id", default=None)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ShopNumber(str):
    """A number of the shop's own (the dialled number): logged as it is, not masked."""


@contextlib.contextmanager
def call_context(call_id: str) -> Iterator[None]:
    """Lines logged inside (and in tasks started inside) carry ``call=<call_id>``."""
    token = _CALL_ID.set(call_id)
    try:
        yield
    finally:
        _CALL_ID.reset(token)


def bind_call(call_id: str) -> None:
    """From here on in this task (and tasks it starts), lines carry ``call=<call_id>``: for a
    task that is the call's own (the edge's session of one AudioSocket connection)."""
    _CALL_ID.set(call_id)


def _call_id_of(record: logging.LogRecord, message: str) -> str:
    for extra in ("temporal_workflow", "temporal_activity"):
        info = getattr(record, extra, None)
        if isinstance(info, dict) and info.get("workflow_id"):
            found = _UUID.search(str(info["workflow_id"]))  # a fulfilment's id is "<call id>-order-2"
            return found.group(0) if found else str(info["workflow_id"])
    if (bound := _CALL_ID.get()) is not None:
        return bound
    found = _UUID.search(message)
    return found.group(0) if found else "-"


def _masked(arg: object) -> object:
    if isinstance(arg, ShopNumber):
        return str(arg)
    if isinstance(arg, str):
        return mask_phones_in(arg)
    return arg


class MaskPhonesFilter(logging.Filter):
    """Masks callers' numbers in the message (its template and each argument; a ``ShopNumber``
    argument stays whole) and sets ``record.call_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(getattr(record, "call_id", None), str):
            record.call_id = "-"
        try:
            if isinstance(record.args, tuple) and record.args:
                args = tuple(_masked(a) for a in record.args)
                message = (mask_phones_in(record.msg) if isinstance(record.msg, str) else str(record.msg)) % args
            else:
                message = mask_phones_in(record.getMessage())
        except (TypeError, ValueError):
            message = mask_phones_in(record.getMessage())
        record.msg, record.args = message, None
        if record.call_id == "-":
            record.call_id = _call_id_of(record, message)
        return True


def formatter() -> logging.Formatter:
    return logging.Formatter(FORMAT)


def setup_logging(*, verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter())
    handler.addFilter(MaskPhonesFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "uvicorn.access", "temporalio.activity", "temporalio.workflow"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # uvicorn's loggers: no handlers of their own, so their lines come out in this one format.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def rotate_logs(logs_dir: Path, keep: int = KEEP_RUNS) -> list[Path]:
    """Before a run: ``x.log`` → ``x.log.1`` → … → ``x.log.<keep>`` (the oldest goes). Returns the
    files the previous run left, under their new names."""
    logs_dir = Path(logs_dir)
    moved: list[Path] = []
    if not logs_dir.is_dir():
        return moved
    for current in sorted(logs_dir.glob("*.log")):
        for n in range(keep - 1, 0, -1):
            older = current.with_name(f"{current.name}.{n}")
            if older.exists():
                older.replace(current.with_name(f"{current.name}.{n + 1}"))
        target = current.with_name(f"{current.name}.1")
        current.replace(target)
        moved.append(target)
    return moved
