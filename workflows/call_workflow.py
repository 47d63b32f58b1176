"""CallWorkflow: one phone call, from the greeting to the durable call record.

The workflow owns the conversation. The edge starts it with the greeting (update-with-start),
sends one Update per caller turn and a Signal at hangup. Each turn runs the agent step as an
activity on the edge's own task queue (so the reply streams into the call's TTS); actions with
effects come back here, where the workflow decides. After hangup the call record is written.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    # Number words are parsed with lemmas (pymorphy3's dictionaries: lookups, deterministic); the
    # read-back check parses the caller's answer, so the analyser is shared, not re-imported.
    import phonenumbers  # noqa: F401 - a phone said in the answer is validated with it
    import pymorphy3  # noqa: F401
    import activities.brain.ukrainian.analyse  # noqa: F401
    from media_edge.phrases import PHRASES
    from workflows import search_attributes as sa
    from workflows.confirmation import Awaiting, changes_details, classify_confirmation, fulfilment_words, readback_for
    from workflows.fulfilment_workflow import DB_RETRY, FulfilmentWorkflow, fulfilment_workflow_id
    from workflows.masking import mask_phone, markdown_text
    from workflows.models import (
        AgentStepInput,
        AgentStepResult,
        CallerTurn,
        CallOutcome,
        CallRecord,
        CallSnapshot,
        CallStart,
        ExpectedReply,
        FulfilmentInput,
        FulfilmentKind,
        FulfilmentResult,
        FulfilmentStatus,
        HangupInfo,
        HeardLatency,
        OpsTask,
        Message,
        NextAction,
        PendingAction,
        Role,
        Scenario,
        TranscriptEntry,
        TransferInfo,
        TransferReason,
        TurnLatency,
        TurnResult,
    )

# A live caller waits on this step: it must fail fast so the caller hears an apology instead.
AGENT_STEP_START_TO_CLOSE = timedelta(seconds=10)
AGENT_STEP_SCHEDULE_TO_START = timedelta(seconds=5)
# A text already streamed to the caller must not be spoken twice: no automatic retry.
AGENT_STEP_RETRY = RetryPolicy(maximum_attempts=1)
# The call record must land, however long PostgreSQL is away (retried as DB_RETRY, without limit).
CALL_RECORD_START_TO_CLOSE = timedelta(seconds=15)
HANGUP_GRACE = timedelta(seconds=60)
# After a "yes" the caller waits this long for the order number; later, it comes by SMS.
FULFILMENT_WAIT_ON_CALL = timedelta(seconds=5)
# The call record waits this long for fulfilments to finish (their notes cover any later end).
FULFILMENT_WAIT_FOR_RECORD = timedelta(minutes=10)
MAX_CONFIRMATION_ASKS = 2
TRANSFER_SUMMARY_MAX = 40  # shown as the caller name on the operator's phone
EDGE_FULL = "edge_full"  # the hangup reason of a call the edge had no room for (see starter)
EDGE_FULL_SUMMARY = "Агент перевантажений"


@dataclass
class _TurnMark:
    """The conversation as it stood before a turn, so a continuation can answer it again."""

    turn_id: int
    history_len: int
    memory: dict
    awaiting: Awaiting | None
    expect: ExpectedReply
    revocable: bool = False  # the turn ended with nothing done that the caller must hear


# Outside the Temporal SDK's own (quiet) workflow logger, so ops see it at INFO.
OUTCOME_LOG = workflow.LoggerAdapter(logging.getLogger("workflows.outcome"), None)


@workflow.defn
class CallWorkflow:
    @workflow.init
    def __init__(self, start: CallStart) -> None:
        self._start = start
        self._transcript: list[TranscriptEntry] = []
        self._history: list[Message] = []
        self._memory: dict = {}
        self._scenarios: set[Scenario] = set()
        self._latencies: list[TurnLatency] = []
        self._last_turn_id = 0
        self._outcome = CallOutcome.IN_PROGRESS
        self._transfer: TransferInfo | None = None
        self._hangup: HangupInfo | None = None
        self._greeted = False
        self._turn_lock = asyncio.Lock()
        self._expect = ExpectedReply.OPEN
        self._awaiting: Awaiting | None = None
        self._fulfilments: list[asyncio.Task[FulfilmentResult]] = []
        self._results: list[FulfilmentResult] = []
        self._mark: _TurnMark | None = None

    @workflow.run
    async def run(self, start: CallStart) -> CallSnapshot:
        workflow.upsert_search_attributes(
            [
                sa.CALLER_NUMBER.value_set(start.caller_number),
                sa.EDGE_ID.value_set(start.edge_id),
                sa.CALL_OUTCOME.value_set(self._outcome.value),
            ]
        )
        self._show_details()
        try:
            await workflow.wait_condition(
                lambda: self._hangup is not None,
                timeout=timedelta(seconds=start.max_call_seconds) + HANGUP_GRACE,
            )
        except asyncio.TimeoutError:
            self._hangup = HangupInfo(reason="timeout", at=workflow.now())
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._settle_fulfilments()
        self._finish()
        if self._outcome == CallOutcome.CALLBACK:
            await self._open_callback_task()
        await workflow.execute_activity(
            "save_call_record",
            self._record(),
            task_queue=start.calls_task_queue,
            start_to_close_timeout=CALL_RECORD_START_TO_CLOSE,
            retry_policy=DB_RETRY,
            summary="call record → PostgreSQL",
        )
        # The worker's one outcome line per call (not repeated on replay); the edge logs its own.
        OUTCOME_LOG.info(
            "call %s ended: %s; %d turns, scenarios %s%s", self._start.call_id, self._outcome.value,
            sum(1 for e in self._transcript if e.role == Role.CALLER),
            ",".join(sorted(s.value for s in self._scenarios)) or "-",
            "".join(f"; {r.kind.value} {r.number or '-'} {r.status.value}" for r in self._results),
        )
        return self.snapshot()

    # --- messages from the edge --------------------------------------------------

    @workflow.update
    async def greet(self) -> TurnResult:
        """The edge plays the greeting from its phrase cache; this records it (update-with-start)."""
        if not self._greeted:
            self._greeted = True
            self._add_entry(Role.AGENT, self._start.greeting, turn_id=0)
        return TurnResult(turn_id=0, reply_text=self._start.greeting)

    @workflow.update
    async def caller_turn(self, turn: CallerTurn) -> TurnResult:
        # Claimed before any await, so a concurrent duplicate fails the validator.
        self._last_turn_id = turn.turn_id
        self._note_heard(turn.heard_latencies)
        async with self._turn_lock:
            earlier_words = self._take_back(turn)
            if earlier_words is None and turn.heard_agent_text is not None and self._history:
                self._note_barge_in(turn.heard_agent_text)
            self._mark = _TurnMark(
                turn_id=turn.turn_id,
                history_len=len(self._history),
                memory=copy.deepcopy(self._memory),
                awaiting=copy.deepcopy(self._awaiting),
                expect=self._expect,
            )
            fulfilments = len(self._fulfilments)
            self._add_entry(Role.CALLER, turn.text, turn_id=turn.turn_id)
            if earlier_words is not None:
                # The transcript keeps what was said when; the agent hears one utterance.
                turn = turn.model_copy(update={"text": f"{earlier_words} {turn.text}"})
                self._history[-1] = Message(role=Role.CALLER, text=turn.text)
            result = await self._answer(turn)
            result.revocable = (
                result.next == NextAction.LISTEN
                and len(self._fulfilments) == fulfilments
                and self._outcome == CallOutcome.IN_PROGRESS
            )
            self._mark.revocable = result.revocable
            self._show_details()
            return result

    async def _answer(self, turn: CallerTurn) -> TurnResult:
        latency = TurnLatency(turn_id=turn.turn_id, stt_ms=turn.stt_ms)
        self._latencies.append(latency)
        if self._awaiting is not None:
            answered = await self._answer_confirmation(turn)
            if answered is not None:
                return answered
        try:
            step = await self._agent_step(turn)
        except ActivityError as err:
            workflow.logger.warning("agent step failed on turn %s: %s", turn.turn_id, err.cause or err)
            return self._fail_over(turn)
        latency.agent_step_ms = step.duration_ms
        latency.first_text_ms = step.first_text_ms
        self._memory = step.memory
        self._scenarios.update(step.scenarios)
        if step.text or step.tool_calls:
            self._add_entry(Role.AGENT, step.text, turn_id=turn.turn_id, tool_calls=step.tool_calls)
        return self._decide(turn, step)

    def _take_back(self, turn: CallerTurn) -> str | None:
        """A continuation of the previous turn, whose reply the caller never heard: restore the
        conversation as it was before it and return the caller's earlier words (else None)."""
        mark = self._mark
        if (
            turn.continues_turn is None
            or mark is None
            or mark.turn_id != turn.continues_turn
            or not mark.revocable
            or turn.heard_agent_text
        ):
            return None
        earlier = self._history[mark.history_len]
        del self._history[mark.history_len :]
        self._memory, self._awaiting, self._expect = mark.memory, mark.awaiting, mark.expect
        self._add_entry(
            Role.SYSTEM,
            f"caller went on talking before hearing the reply to turn {mark.turn_id}; both answered as one",
            turn_id=turn.turn_id,
        )
        return earlier.text

    @caller_turn.validator
    def _validate_turn(self, turn: CallerTurn) -> None:
        if self._hangup is not None or self._outcome != CallOutcome.IN_PROGRESS:
            raise ValueError(f"call already ended ({self._outcome.value}); turn {turn.turn_id} rejected")
        if turn.turn_id <= self._last_turn_id:
            raise ValueError(f"stale turn {turn.turn_id}: turn {self._last_turn_id} already taken")
        if not turn.text.strip():
            raise ValueError("empty caller turn")

    @workflow.signal
    def hangup(self, info: HangupInfo) -> None:
        self._note_heard(info.heard_latencies)
        if self._hangup is None:
            self._hangup = info

    def _note_heard(self, heard: list[HeardLatency]) -> None:
        """The edge's end of speech → first agent audio of earlier turns, onto their latencies."""
        for h in heard:
            for latency in self._latencies:
                if latency.turn_id == h.turn_id:
                    latency.first_audio_ms, latency.overhead_ms = h.first_audio_ms, h.overhead_ms

    @workflow.query
    def snapshot(self) -> CallSnapshot:
        return CallSnapshot(
            call_id=self._start.call_id,
            caller_number=self._start.caller_number,
            outcome=self._outcome,
            scenarios=sorted(self._scenarios),
            transcript=self._transcript,
            latencies=self._latencies,
            transfer=self._transfer,
            ended=self._hangup is not None,
            order_number=self._number(FulfilmentKind.ORDER),
            booking_number=self._number(FulfilmentKind.BOOKING),
            awaiting_confirmation=self._awaiting.readback if self._awaiting else None,
        )

    # --- the turn ------------------------------------------------------------------

    async def _agent_step(self, turn: CallerTurn) -> AgentStepResult:
        return await workflow.execute_activity(
            "agent_step",
            AgentStepInput(
                call_id=self._start.call_id,
                turn_id=turn.turn_id,
                caller_number=self._start.caller_number,
                history=self._history,
                memory=self._memory,
                llm_engine=self._start.llm_engine,
                speak=self._start.speak_replies,
                expect=self._expect,
            ),
            result_type=AgentStepResult,
            task_queue=self._start.agent_task_queue,
            start_to_close_timeout=AGENT_STEP_START_TO_CLOSE,
            schedule_to_start_timeout=AGENT_STEP_SCHEDULE_TO_START,
            retry_policy=AGENT_STEP_RETRY,
            summary=f"turn {turn.turn_id}: {turn.text[:80]}",
        )

    def _decide(self, turn: CallerTurn, step: AgentStepResult) -> TurnResult:
        """Actions with effects are decided here, never inside the step."""
        action = step.pending_action
        if action is None:
            return self._reply(TurnResult(turn_id=turn.turn_id, reply_text=step.text, expect=step.expect))
        if action.name in ("create_order", "book_fitting"):
            return self._ask_confirmation(turn, step.text, action)
        if action.name == "transfer_to_operator":
            return self._transfer_to_operator(turn, step.text, str(action.arguments.get("reason", "")))
        if action.name == "end_call":
            self._outcome = CallOutcome.COMPLETED
            self._upsert_outcome()
            goodbye = PHRASES["goodbye"]
            self._add_entry(Role.AGENT, goodbye, turn_id=turn.turn_id)
            return TurnResult(turn_id=turn.turn_id, reply_text=step.text, say_text=goodbye, next=NextAction.HANG_UP)
        workflow.logger.warning("agent asked for unknown action %s", action.name)
        return self._reply(TurnResult(turn_id=turn.turn_id, reply_text=step.text))

    def _reply(self, result: TurnResult) -> TurnResult:
        self._expect = result.expect
        return result

    # --- confirmation and fulfilment ----------------------------------------------------

    def _ask_confirmation(self, turn: CallerTurn, reply_text: str, action: PendingAction) -> TurnResult:
        """Read back the store's facts; nothing happens until the caller says yes (or presses 1)."""
        self._awaiting = Awaiting(action=action, readback=readback_for(action, workflow.now().date()), turn_id=turn.turn_id)
        self._add_entry(Role.AGENT, self._awaiting.readback, turn_id=turn.turn_id)
        return self._reply(
            TurnResult(
                turn_id=turn.turn_id,
                reply_text=reply_text,
                say_text=self._awaiting.readback,
                expect=ExpectedReply.YES_NO,
            )
        )

    async def _answer_confirmation(self, turn: CallerTurn) -> TurnResult | None:
        """The caller's answer to a read-back; None hands the turn to the agent as usual."""
        awaiting = self._awaiting
        assert awaiting is not None
        verdict = classify_confirmation(turn.text, turn.dtmf)
        if verdict != "yes" and workflow.patched("readback-new-details") and changes_details(awaiting.action, turn.text):
            verdict = "no"  # another phone or city: the agent applies it and the new facts are read back
        if verdict == "yes":
            self._awaiting = None
            return await self._fulfil(turn, awaiting)
        if verdict == "unclear" and awaiting.asks < MAX_CONFIRMATION_ASKS:
            awaiting.asks += 1
            ask = PHRASES["confirm_again"]
            self._add_entry(Role.AGENT, ask, turn_id=turn.turn_id)
            return self._reply(TurnResult(turn_id=turn.turn_id, reply_text="", say_text=ask, expect=ExpectedReply.YES_NO))
        # "no" (or a correction, or still unclear): the agent goes on from what the caller said
        self._awaiting = None
        self._memory["declined"] = awaiting.action.name
        self._add_entry(Role.SYSTEM, f"caller did not confirm {awaiting.action.name}", turn_id=turn.turn_id)
        return None

    async def _fulfil(self, turn: CallerTurn, awaiting: Awaiting) -> TurnResult:
        kind = FulfilmentKind.ORDER if awaiting.action.name == "create_order" else FulfilmentKind.BOOKING
        request = awaiting.action.arguments["request"]
        call_id = self._start.call_id
        job = FulfilmentInput(
            call_id=call_id,
            kind=kind,
            idempotency_key=f"{call_id}:{kind.value}:{turn.turn_id}",
            phone=request["phone"],
            request=request,
            readback=awaiting.readback,
        )
        self._scenarios.add(Scenario.ORDER if kind == FulfilmentKind.ORDER else Scenario.FITTING)
        self._add_entry(Role.SYSTEM, f"caller confirmed {kind.value}", turn_id=turn.turn_id)
        handle = await workflow.start_child_workflow(
            FulfilmentWorkflow.run,
            job,
            id=fulfilment_workflow_id(call_id, kind, turn.turn_id),
            task_queue=self._start.calls_task_queue,
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"{kind.value} for call {call_id}",
        )
        self._fulfilments.append(handle)
        await workflow.wait([handle], timeout=FULFILMENT_WAIT_ON_CALL.total_seconds())
        result = self._collect(handle)
        say = fulfilment_words(kind, result)
        self._memory["fulfilled"] = {"kind": kind.value, "number": result.number if result else None}
        self._add_entry(Role.AGENT, say, turn_id=turn.turn_id)
        self._upsert_outcome()
        return self._reply(TurnResult(turn_id=turn.turn_id, reply_text="", say_text=say))

    def _collect(self, handle: asyncio.Task[FulfilmentResult]) -> FulfilmentResult | None:
        """The child's result if it has one; remembered once for the record and the search."""
        if not handle.done():
            return None
        try:
            result = handle.result()
        except Exception as err:  # noqa: BLE001 - a failed child is reported, not raised into the call
            workflow.logger.warning("fulfilment failed: %s", err)
            return None
        if result not in self._results:
            self._results.append(result)
            if result.status == FulfilmentStatus.DONE and result.number:
                key = sa.ORDER_NUMBER if result.kind == FulfilmentKind.ORDER else sa.BOOKING_NUMBER
                workflow.upsert_search_attributes([key.value_set(result.number)])
        return result

    async def _settle_fulfilments(self) -> None:
        pending = [h for h in self._fulfilments if not h.done()]
        if pending:
            await workflow.wait(pending, timeout=FULFILMENT_WAIT_FOR_RECORD.total_seconds())
        for handle in self._fulfilments:
            self._collect(handle)

    def _number(self, kind: FulfilmentKind) -> str | None:
        for result in reversed(self._results):
            if result.kind == kind and result.number:
                return result.number
        return None

    def _transfer_to_operator(self, turn: CallerTurn, reply_text: str, reason: str,
                              why: TransferReason = TransferReason.AGENT) -> TurnResult:
        self._scenarios.add(Scenario.TRANSFER)
        summary = f"ШІ: {reason}" if reason else "ШІ: дзвінок"
        self._transfer = TransferInfo(summary=summary[:TRANSFER_SUMMARY_MAX], reason=why)
        self._outcome = CallOutcome.TRANSFERRED
        self._upsert_outcome()
        notice = PHRASES["transfer"]
        self._add_entry(Role.AGENT, notice, turn_id=turn.turn_id)
        self._show_details()
        return TurnResult(
            turn_id=turn.turn_id,
            reply_text=reply_text,
            say_text=notice,
            next=NextAction.TRANSFER,
            transfer=self._transfer,
        )

    def _fail_over(self, turn: CallerTurn) -> TurnResult:
        """The agent could not answer: apologise and hand the caller to a person."""
        self._add_entry(Role.SYSTEM, "agent step failed", turn_id=turn.turn_id)
        result = self._transfer_to_operator(turn, "", "технічна помилка", TransferReason.AGENT_FAILED)
        result.say_text = f"{PHRASES['apology']} {result.say_text}"
        return result

    def _note_barge_in(self, heard: str) -> None:
        last = self._transcript[-1]
        if last.role == Role.AGENT and heard != last.text:
            self._add_entry(Role.SYSTEM, f"caller interrupted; heard: {heard}", turn_id=last.turn_id)
            # The agent remembers saying only what was heard (its tool calls stand).
            said = self._history[-1]
            if said.role == Role.AGENT:
                self._history[-1] = said.model_copy(update={"text": f"{heard} …" if heard else ""})

    # --- state, search attributes, details --------------------------------------

    def _add_entry(self, role: Role, text: str, *, turn_id: int, tool_calls: list | None = None) -> None:
        entry = TranscriptEntry(role=role, text=text, at=workflow.now(), turn_id=turn_id, tool_calls=tool_calls or [])
        self._transcript.append(entry)
        if role != Role.SYSTEM:
            self._history.append(Message(role=role, text=text, tool_calls=tool_calls or []))

    def _finish(self) -> None:
        """Settle the outcome once the call is over (a transfer or goodbye already set it)."""
        assert self._hangup is not None
        if self._hangup.reason == "callback":  # the edge found no operator to transfer to
            self._outcome = CallOutcome.CALLBACK
            self._add_entry(Role.AGENT, PHRASES["callback"], turn_id=self._last_turn_id)
        elif self._hangup.reason == EDGE_FULL:  # no agent took it: the dialplan queued it for a person
            self._scenarios.add(Scenario.TRANSFER)
            self._transfer = TransferInfo(summary=EDGE_FULL_SUMMARY, reason=TransferReason.EDGE_FULL)
            self._outcome = CallOutcome.TRANSFERRED
            self._add_entry(Role.SYSTEM, "the edge carried its limit of calls: straight to the operators", turn_id=0)
        elif self._outcome == CallOutcome.IN_PROGRESS:
            if self._hangup.reason == "error":
                self._outcome = CallOutcome.FAILED
            elif any(e.role == Role.CALLER for e in self._transcript):
                self._outcome = CallOutcome.COMPLETED
            else:
                self._outcome = CallOutcome.ABANDONED
        self._upsert_outcome()
        self._show_details()

    async def _open_callback_task(self) -> None:
        reason = self._transfer.summary if self._transfer else "дзвінок"
        await workflow.execute_activity(
            "open_ops_task",
            OpsTask(
                key=f"{self._start.call_id}:callback",
                kind="callback",
                call_id=self._start.call_id,
                phone=self._start.caller_number,
                detail=f"Передзвонити клієнту: {reason}",
            ),
            result_type=int,
            task_queue=self._start.calls_task_queue,
            start_to_close_timeout=CALL_RECORD_START_TO_CLOSE,
            retry_policy=DB_RETRY,
            summary="back-office task: call the customer back",
        )

    def _upsert_outcome(self) -> None:
        workflow.upsert_search_attributes(
            [
                sa.CALL_OUTCOME.value_set(self._outcome.value),
                sa.CALL_SCENARIOS.value_set(sorted(s.value for s in self._scenarios)),
                sa.TRANSFERRED.value_set(self._outcome == CallOutcome.TRANSFERRED),
            ]
        )

    def _show_details(self) -> None:
        """The Temporal UI's Current Details (markdown): field labels in English like the rest of
        the UI and the search attributes ops filter by; what was said stays as said. Values are
        escaped, so a masked number's ``***`` is not read as emphasis."""
        md = markdown_text
        turns = sum(1 for e in self._transcript if e.role == Role.CALLER)
        last = self._transcript[-1].text if self._transcript else ""
        caller = mask_phone(self._start.caller_number) or "number withheld"
        lines = [
            f"**Caller:** {md(caller)} → {md(self._start.dialled_number)}",
            f"**Outcome:** {md(self._outcome.value)}; **turns:** {turns}",
            f"**Scenarios:** {md(', '.join(sorted(s.value for s in self._scenarios)) or '—')}",
        ]
        if self._transfer:
            lines.append(f"**Transfer:** {md(self._transfer.summary)}")
        for result in self._results:
            label = "Order" if result.kind == FulfilmentKind.ORDER else "Fitting"
            lines.append(
                f"**{label}** №{md(result.number or '—')} ({md(result.status.value)}): "
                f"{md(result.summary or result.detail or '')}"
            )
        if self._awaiting:
            lines.append(f"**Awaiting confirmation:** {md(self._awaiting.readback[:120])}")
        if last:
            lines.append(f"**Last:** {md(last[:120])}")
        workflow.set_current_details("\n\n".join(lines))

    def _record(self) -> CallRecord:
        assert self._hangup is not None
        return CallRecord(
            call_id=self._start.call_id,
            caller_number=self._start.caller_number,
            dialled_number=self._start.dialled_number,
            edge_id=self._start.edge_id,
            started_at=self._start.started_at,
            ended_at=self._hangup.at or workflow.now(),
            outcome=self._outcome,
            hangup_reason=self._hangup.reason,
            scenarios=sorted(self._scenarios),
            transcript=self._transcript,
            latencies=self._latencies,
            transfer=self._transfer,
            order_number=self._number(FulfilmentKind.ORDER),
            booking_number=self._number(FulfilmentKind.BOOKING),
            fulfilments=self._results,
        )
