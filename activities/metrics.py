"""Prometheus metrics of the agent's work: calls, transfers, tools, SMS, store retries, orders, bookings.

Metric objects live in prometheus_client's default registry, which both processes serve on
``/metrics``: the worker (``callcenter/health.py``, port ``worker_metrics_port``) and the edge
(``media_edge/api.py``). The agent step and its read tools run in the edge process, so
``callcenter_tool_*`` and ``callcenter_llm_first_token_seconds`` show up on the edge's
``/metrics``; call records, SMS, orders and bookings are counted by the worker.

Call the helpers, not the objects: they keep label values short and bounded (a label value is a
time series of its own, so free text such as an error message never becomes one).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

_TOOL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0, 5.0)
_LLM_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0)

CALLS = Counter("callcenter_calls", "Finished calls recorded, by outcome", ["outcome"])
TRANSFERS = Counter("callcenter_transfers", "Calls handed to an operator, by reason", ["reason"])
TOOL_SECONDS = Histogram("callcenter_tool_seconds", "Agent tool run time", ["tool"], buckets=_TOOL_BUCKETS)
TOOL_ERRORS = Counter("callcenter_tool_errors", "Agent tool failures, by kind of failure", ["tool", "kind"])
LLM_RETRIES = Counter(
    "callcenter_llm_retries",
    "Extra model requests, by why: hedge (no first token yet), retry (failed before a word), "
    "continuation (broke after words were said)",
    ["engine", "kind"],
)
TOOL_RETRIES = Counter("callcenter_tool_retries", "Read tools' store requests tried again, by tool", ["tool"])
SMS = Counter("callcenter_sms", "SMS confirmations, by result", ["result"])
STORE_RETRIES = Counter("callcenter_store_retries", "Retried Store API writes, by operation", ["operation"])
ORDERS = Counter("callcenter_orders", "Orders the agent placed, by result", ["result"])
BOOKINGS = Counter("callcenter_bookings", "Fitting bookings the agent made, by result", ["result"])
LLM_FIRST_TOKEN = Histogram(
    "callcenter_llm_first_token_seconds", "Agent step start → first LLM token, by engine", ["engine"],
    buckets=_LLM_BUCKETS,
)

# Every metric name as Prometheus exposes it (counters gain "_total"); the Grafana dashboard test
# checks its queries against these and the edge's.
METRIC_NAMES = (
    "callcenter_calls_total",
    "callcenter_transfers_total",
    "callcenter_tool_seconds",
    "callcenter_tool_errors_total",
    "callcenter_tool_retries_total",
    "callcenter_sms_total",
    "callcenter_store_retries_total",
    "callcenter_orders_total",
    "callcenter_bookings_total",
    "callcenter_llm_first_token_seconds",
    "callcenter_llm_retries_total",
)

_MAX_LABEL = 40


def _label(value: str | None, default: str = "unknown") -> str:
    text = (value or "").strip()
    return text[:_MAX_LABEL] if text else default


# The known label values, created at zero when a process starts (``init_worker_metrics``,
# ``init_agent_metrics``): a labelled series that first appears with the value 1 is invisible to
# ``increase()``/``rate()`` (no earlier sample to compare), so the first order, SMS or transfer
# after a restart would be shown as 0.
SMS_RESULTS = ("sent", "duplicate", "rejected", "error")  # activities/sms.py
WRITE_RESULTS = ("created", "refused")  # orders and bookings (activities/fulfilment.py)
STORE_WRITE_OPERATIONS = ("create_order", "book_fitting")
LLM_RETRY_KINDS = ("hedge", "retry", "continuation")
LLM_ENGINES_COUNTED = ("claude",)  # the engines that stream from a model (the rules brain does not)
# What ToolRunner.call counts as a failure's kind: its class name (activities/tools.py).
TOOL_ERROR_KINDS = ("ValidationError", "ToolError", "StoreUnavailable", "StoreRejected", "StoreNotFound")


def init_worker_metrics() -> None:
    """Create every known label set of what the worker counts (calls, transfers, SMS, orders,
    bookings, store write retries) at zero. Idempotent; called when the worker starts."""
    from workflows.models import CallOutcome, TransferReason

    for outcome in CallOutcome:
        if outcome is not CallOutcome.IN_PROGRESS:
            CALLS.labels(outcome=outcome.value)
    for reason in TransferReason:
        TRANSFERS.labels(reason=reason.value)
    for result in SMS_RESULTS:
        SMS.labels(result=result)
    for result in WRITE_RESULTS:
        ORDERS.labels(result=result)
        BOOKINGS.labels(result=result)
    for operation in STORE_WRITE_OPERATIONS:
        STORE_RETRIES.labels(operation=operation)


def init_agent_metrics() -> None:
    """Create every known label set of what the agent step counts (tool runs, tool errors and
    retries, LLM retries and first tokens) at zero. Idempotent; called when the edge starts."""
    from activities.tools import ACTION_TOOLS, READ_TOOLS  # tools imports this module

    for tool in (*READ_TOOLS, *ACTION_TOOLS):
        TOOL_SECONDS.labels(tool=tool)
        for kind in TOOL_ERROR_KINDS:
            TOOL_ERRORS.labels(tool=tool, kind=kind)
    for tool in (*READ_TOOLS, *STORE_WRITE_OPERATIONS):  # store reads, and the checks before a read-back
        TOOL_RETRIES.labels(tool=tool)
    for engine in LLM_ENGINES_COUNTED:
        LLM_FIRST_TOKEN.labels(engine=engine)
        for kind in LLM_RETRY_KINDS:
            LLM_RETRIES.labels(engine=engine, kind=kind)


def observe_tool(name: str, seconds: float, error_kind: str | None = None) -> None:
    """One tool run: its time, and a failure of kind ``error_kind`` (e.g. the exception's class name)."""
    tool = _label(name)
    TOOL_SECONDS.labels(tool=tool).observe(max(seconds, 0.0))
    if error_kind:
        TOOL_ERRORS.labels(tool=tool, kind=_label(error_kind)).inc()


def count_tool_retry(name: str) -> None:
    """A read tool's store request tried again after StoreUnavailable (within the tool's budget)."""
    TOOL_RETRIES.labels(tool=_label(name)).inc()


def count_call(outcome: str) -> None:
    """A finished call, by outcome (completed, transferred, abandoned, failed)."""
    CALLS.labels(outcome=_label(outcome)).inc()


def count_transfer(reason: str) -> None:
    """A call handed to an operator, by ``TransferReason``: agent, agent_failed, edge_full."""
    TRANSFERS.labels(reason=_label(reason)).inc()


def count_sms(result: str) -> None:
    """An SMS confirmation: ``SMS_RESULTS`` (sent, duplicate, rejected for good, error: retried)."""
    SMS.labels(result=_label(result)).inc()


def count_store_retry(operation: str) -> None:
    """A Store API write that had to be retried (create_order, book_fitting, …)."""
    STORE_RETRIES.labels(operation=_label(operation)).inc()


def count_order(result: str) -> None:
    """An order: created, refused (``WRITE_RESULTS``)."""
    ORDERS.labels(result=_label(result)).inc()


def count_booking(result: str) -> None:
    """A fitting booking: created, refused (``WRITE_RESULTS``)."""
    BOOKINGS.labels(result=_label(result)).inc()


def count_llm_retry(engine: str, kind: str) -> None:
    """An extra model request: ``hedge``, ``retry`` or ``continuation``."""
    LLM_RETRIES.labels(engine=_label(engine), kind=_label(kind)).inc()


def observe_llm_first_token(engine: str, seconds: float) -> None:
    """Time from the agent step's start to the LLM's first token."""
    LLM_FIRST_TOKEN.labels(engine=_label(engine)).observe(max(seconds, 0.0))
