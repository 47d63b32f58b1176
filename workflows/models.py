"""Typed messages that cross the edge ⇄ workflow ⇄ activity boundaries.

Everything here is plain data (pydantic), safe to import from workflow code.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Role(StrEnum):
    CALLER = "caller"
    AGENT = "agent"
    SYSTEM = "system"


class NextAction(StrEnum):
    """What the edge does after speaking the turn's reply."""

    LISTEN = "listen"
    TRANSFER = "transfer"
    HANG_UP = "hang_up"


class ExpectedReply(StrEnum):
    """What the agent just asked for; the edge tunes endpointing and DTMF collection to it."""

    OPEN = "open"  # a free answer
    YES_NO = "yes_no"  # a short answer: end the turn sooner; DTMF 1 means yes
    DIGITS = "digits"  # a number (order, phone): wait longer between words; DTMF until #


class CallOutcome(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"  # the agent or the caller ended the call normally
    TRANSFERRED = "transferred"
    CALLBACK = "callback"  # no operator was there: the shop calls the caller back (an ops task)
    ABANDONED = "abandoned"  # the caller hung up before saying anything
    FAILED = "failed"  # the edge lost the call to an error before it ended normally


class Scenario(StrEnum):
    TIRE_SEARCH = "tire_search"
    AVAILABILITY = "availability"
    TRANSFER = "transfer"
    ORDER_STATUS = "order_status"
    ORDER = "order"
    FITTING = "fitting"
    ADVICE = "advice"


class CallStart(BaseModel):
    """Workflow input: who called, where, and which edge holds the audio."""

    call_id: str
    caller_number: str = ""
    dialled_number: str = ""
    channel: str = ""
    edge_id: str
    agent_task_queue: str  # the edge's own queue: the agent step streams into its TTS
    calls_task_queue: str = "calls"
    started_at: datetime
    greeting: str
    llm_engine: str = "rules"
    max_call_seconds: int = 900
    speak_replies: bool = True  # false for text chat: nothing to speak into


class ToolCall(BaseModel):
    """One tool the agent used in a step, with what it returned."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: Any = None
    error: str | None = None
    duration_ms: float = 0.0
    attempts: int = 1  # store requests a read tool made (retries after StoreUnavailable)


class PendingAction(BaseModel):
    """An action with effects that the agent asked for; the workflow decides and runs it."""

    name: str  # transfer_to_operator, end_call, create_order, book_fitting
    arguments: dict[str, Any] = Field(default_factory=dict)
    # For create_order and book_fitting: what the store said of it (an OrderQuote, a FittingSlot
    # with its centre), checked inside the step. The read-back is built from this, never from
    # the brain's own words, so the caller hears only the store's prices and dates.
    store_facts: dict[str, Any] | None = None


class Message(BaseModel):
    """One entry of the conversation as the brain sees it."""

    role: Role
    text: str
    tool_calls: list[ToolCall] = Field(default_factory=list)


class HeardLatency(BaseModel):
    """One turn's latency as the caller lives it, measured at the edge."""

    turn_id: int
    first_audio_ms: float  # end of the caller's speech → first agent audio on the wire
    overhead_ms: float | None = None  # endpointer's end of turn → first agent audio (ours)


class CallerTurn(BaseModel):
    """Update payload: one finished caller utterance."""

    turn_id: int  # 1, 2, 3... stable per call; the validator rejects stale or repeated turns
    text: str
    speech_ended_at: datetime | None = None
    stt_ms: float | None = None  # end of speech → final transcript
    heard_agent_text: str | None = None  # what the caller heard of the previous reply (barge-in)
    dtmf: str | None = None  # keys the caller pressed for this turn ("1", "12345#"), if any
    # The caller went on talking before hearing any of turn N's reply (the end of turn N was a
    # pause, not an end): the workflow takes turn N back and answers both utterances as one.
    continues_turn: int | None = None
    # What the caller lived on earlier turns, measured at the edge once their first agent audio
    # played (after that turn's update returned): reported with the next turn or the hangup.
    heard_latencies: list[HeardLatency] = Field(default_factory=list)


class AgentStepInput(BaseModel):
    call_id: str
    turn_id: int
    caller_number: str = ""
    history: list[Message]
    memory: dict[str, Any] = Field(default_factory=dict)  # brain-private state across turns
    llm_engine: str = "rules"
    speak: bool = True  # stream the text into the call's TTS (false for replays and text chat)
    expect: ExpectedReply = ExpectedReply.OPEN  # what the caller was last asked for


class AgentStepResult(BaseModel):
    text: str
    tool_calls: list[ToolCall] = Field(default_factory=list)
    pending_action: PendingAction | None = None
    memory: dict[str, Any] = Field(default_factory=dict)
    scenarios: list[Scenario] = Field(default_factory=list)
    first_text_ms: float = 0.0  # step start → first sentence handed to TTS
    duration_ms: float = 0.0
    expect: ExpectedReply = ExpectedReply.OPEN  # what the reply asked the caller for


class TransferReason(StrEnum):
    """Why a call went to the operators (a metric label: a fixed set, unlike the summary)."""

    AGENT = "agent"  # the agent handed over: the caller asked, or it cannot help
    AGENT_FAILED = "agent_failed"  # the agent could not answer (Claude, a tool, the step failed)
    EDGE_FULL = "edge_full"  # the edge already carried its limit of calls: no agent at all


class TransferInfo(BaseModel):
    queue: str = "operators"
    summary: str  # short, shown as the caller name to the operator
    reason: TransferReason = TransferReason.AGENT


class TurnResult(BaseModel):
    """Update result: what the agent said, and what the edge does next."""

    turn_id: int
    reply_text: str  # already streamed into the call's TTS by the step
    say_text: str | None = None  # further words the edge must speak itself (e.g. transfer notice)
    next: NextAction = NextAction.LISTEN
    transfer: TransferInfo | None = None
    expect: ExpectedReply = ExpectedReply.OPEN
    # Nothing was done that the caller must hear about: if they go on talking before hearing
    # it, the edge drops this reply and the next turn continues this one (``continues_turn``).
    revocable: bool = False


class HangupInfo(BaseModel):
    """Signal payload: the caller (or the edge) ended the call."""

    reason: str = "caller_hangup"  # caller_hangup, transfer, agent_hangup, error, timeout
    at: datetime | None = None
    detail: str | None = None
    heard_latencies: list[HeardLatency] = Field(default_factory=list)  # turns not reported yet


class TurnLatency(BaseModel):
    turn_id: int
    stt_ms: float | None = None
    agent_step_ms: float | None = None
    first_text_ms: float | None = None
    first_audio_ms: float | None = None  # end of caller speech → first agent audio (the edge's figure)
    overhead_ms: float | None = None  # end of turn detected → first agent audio


class TranscriptEntry(BaseModel):
    role: Role
    text: str
    at: datetime
    turn_id: int = 0
    tool_calls: list[ToolCall] = Field(default_factory=list)


class CallSnapshot(BaseModel):
    """Query result: the call as ops and the simulator see it."""

    call_id: str
    caller_number: str
    outcome: CallOutcome
    scenarios: list[Scenario]
    transcript: list[TranscriptEntry]
    latencies: list[TurnLatency]
    transfer: TransferInfo | None = None
    ended: bool = False
    order_number: str | None = None
    booking_number: str | None = None
    awaiting_confirmation: str | None = None  # the read-back the caller has not yet answered


class CallRecord(BaseModel):
    """Activity input: the durable record of a finished call (PostgreSQL)."""

    call_id: str
    caller_number: str
    dialled_number: str
    edge_id: str
    started_at: datetime
    ended_at: datetime
    outcome: CallOutcome
    hangup_reason: str
    scenarios: list[Scenario]
    transcript: list[TranscriptEntry]
    latencies: list[TurnLatency]
    transfer: TransferInfo | None = None
    order_number: str | None = None
    booking_number: str | None = None
    fulfilments: list[FulfilmentResult] = Field(default_factory=list)


# --- fulfilment: what the call promised, done after it if need be ---------------------------


class FulfilmentKind(StrEnum):
    ORDER = "order"
    BOOKING = "booking"


class FulfilmentStatus(StrEnum):
    DONE = "done"  # the store created the order / booking
    REFUSED = "refused"  # the store refused for good (sold out, slot taken): a person follows up


class FulfilmentInput(BaseModel):
    """Child workflow input: one confirmed action, with the key that makes it happen once."""

    call_id: str
    kind: FulfilmentKind
    idempotency_key: str  # the call's workflow id + the step: never the run id
    phone: str  # the customer's number for the store and the SMS, E.164
    request: dict[str, Any]  # an OrderDraft or a BookingRequest, as JSON
    readback: str  # what the caller heard and said yes to (for the ops task and the record)


class FulfilmentResult(BaseModel):
    kind: FulfilmentKind
    status: FulfilmentStatus
    number: str | None = None  # the order or booking number
    detail: str = ""  # the store's answer, in a sentence
    summary: str = ""  # for the caller and the SMS: what was ordered or booked
    sms_sent: bool = False
    task_id: int | None = None  # the ops task opened when the store refused


class SmsMessage(BaseModel):
    key: str  # idempotency key: one SMS per key, however often the activity runs
    phone: str
    text: str


class SmsReceipt(BaseModel):
    key: str
    status: str  # sent, duplicate (already sent under this key)
    provider_id: str | None = None


class OpsTask(BaseModel):
    key: str  # one task per key
    kind: str  # order_refused, booking_refused, callback
    call_id: str
    phone: str
    reference: str = ""
    detail: str


class CallNote(BaseModel):
    """A fulfilment's outcome, attached to the call's record in PostgreSQL."""

    call_id: str
    key: str  # the fulfilment's idempotency key: one note per order or booking of the call
    kind: FulfilmentKind
    number: str | None
    status: FulfilmentStatus
