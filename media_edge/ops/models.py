"""Typed answers of the ops API. Phone numbers in them are always masked (``+38050***4567``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class LiveCall(BaseModel):
    call_id: str
    caller: str  # masked
    dialled: str
    edge_id: str
    started_at: datetime | None
    duration_s: float | None
    state: str  # starting, listening, speaking, ending
    turns: int
    rate: int
    temporal_url: str


class Percentiles(BaseModel):
    p50: float
    p95: float
    turns: int  # how many turns the percentiles are over


class ToolCallView(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)  # phone numbers masked
    error: str | None = None
    duration_ms: float = 0.0


class TranscriptLine(BaseModel):
    role: str
    text: str  # phone numbers masked
    at: datetime | None = None
    turn_id: int = 0
    tool_calls: list[ToolCallView] = Field(default_factory=list)


class CallDetail(BaseModel):
    call_id: str
    source: Literal["live", "record"]  # the workflow's snapshot query, or the PostgreSQL record
    caller: str  # masked
    outcome: str
    ended: bool
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: float | None = None
    scenarios: list[str] = Field(default_factory=list)
    transcript: list[TranscriptLine] = Field(default_factory=list)
    # One entry per caller turn: turn_id and every *_ms stage the workflow recorded.
    latencies: list[dict[str, float | int | None]] = Field(default_factory=list)
    transfer: dict[str, Any] | None = None
    order_number: str | None = None
    booking_number: str | None = None
    temporal_url: str
    # End of the caller's speech → first agent audio over this call's turns (what the caller
    # lived); None while no turn has been measured.
    first_audio_ms: Percentiles | None = None


class CallSummary(BaseModel):
    call_id: str
    caller: str  # masked
    started_at: datetime
    duration_s: float | None
    outcome: str
    scenarios: list[str]
    turns: int
    order_number: str | None = None
    booking_number: str | None = None
    temporal_url: str
    first_audio_ms: Percentiles | None = None  # end of speech → first agent audio over the call's turns


class CallPage(BaseModel):
    """One page of ``GET /ops/calls``, newest first."""

    items: list[CallSummary]
    total: int  # calls matching the filters, over all pages
    limit: int
    offset: int


class HourlyPoint(BaseModel):
    """One local hour of the day: calls that began in it, and what their callers waited."""

    hour: int  # 0-23, ops_timezone
    calls: int
    first_audio_p50_ms: float | None = None  # end of speech → first agent audio, over the turns
    first_audio_p95_ms: float | None = None
    turns: int = 0  # turns with a measured first audio


class DailyAnalytics(BaseModel):
    date: date
    timezone: str
    calls: int
    outcomes: dict[str, int]
    scenarios: dict[str, int]  # a call with several scenarios counts in each
    orders: int | None  # calls with an order number (None: the record has no order column yet)
    conversion_to_orders: float | None  # orders / calls
    bookings: int | None
    avg_handling_s: float | None
    transfer_rate: float | None  # transferred / calls
    # Per-turn latency stages from the stored records (first_audio_ms, agent_step_ms, stt_ms, …).
    latency_ms: dict[str, Percentiles]
    # The day's chart: 24 local hours, calls and end of speech → first agent audio p50/p95.
    hourly: list[HourlyPoint] = Field(default_factory=list)


class OpsTaskView(BaseModel):
    id: int
    created_at: datetime | None
    kind: str
    call_id: str
    reference: str  # order or booking number
    phone: str  # masked
    detail: str
    status: str
    temporal_url: str | None = None
    closed_by: str | None = None  # who closed it from the ops page
    closed_at: datetime | None = None
    close_note: str | None = None


class CloseTask(BaseModel):
    """``POST /ops/tasks/{id}/close``: who closes the task (their name as they gave it) and why."""

    closed_by: str = Field(min_length=1, max_length=80)
    note: str = Field(default="", max_length=500)
