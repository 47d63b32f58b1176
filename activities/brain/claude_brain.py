"""The Claude brain: one agent step as a streamed Messages API conversation with tool use.

Text is handed to `ctx.say` sentence by sentence while the model is still writing. Tool uses run
through `ctx.tools`: read tools answer at once and the model continues with their results (at
most `max_tool_rounds` rounds); an action tool (order, booking, transfer, end of call) is only
recorded for the workflow, and the step ends there, so the model never speaks of its outcome.

Every model call has a time-to-first-token watchdog and, once the stream flows, a stall watchdog
between its events. 429/529/5xx or a silent stream are retried with a short backoff, up to
`max_retries` times. A stream that breaks after words were said is not asked for again from the
start (the caller would hear them twice): the retry carries the words said as the assistant's
turn and a note to go on from there (`CONTINUE_AFTER_BREAK`), and a continuation that repeats
them anyway is not said again. The SDK's own retries are off so the whole step keeps within
`step_timeout_s`, well inside the activity's start-to-close. When Claude still cannot answer,
`ClaudeUnavailable` is raised and the workflow apologises and transfers the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import anthropic
from anthropic.types import Message as ApiMessage
from anthropic.types import TextBlock, ToolUseBlock

from activities.brain.base_brain import Brain, StepContext
from activities.brain.prompt import system_blocks, tool_definitions, tool_result_text
from activities.brain.sentences import SentenceSplitter
from activities.hedging import HedgeBudget, first_success
from activities.metrics import count_llm_retry, observe_llm_first_token
from activities.tools import ACTION_TOOLS, ToolError
from callcenter.settings import Settings
from media_edge.phrases import PHRASES, Phrase
from workflows.models import ExpectedReply, Message, Role, Scenario, ToolCall

logger = logging.getLogger(__name__)

Say = Callable[[str], Awaitable[None]]

KYIV = ZoneInfo("Europe/Kyiv")
REFUSAL_LINE = "Вибачте, з цим питанням я не можу допомогти."
EMPTY_REPLY_LINE = PHRASES[Phrase.NOT_UNDERSTOOD]
CALL_STARTED = "(Дзвінок розпочато.)"
CALLER_SILENT = "(Клієнт мовчить.)"
# The latency model takes no prefill, so a reply cut off mid-stream is continued by a note.
CONTINUE_AFTER_BREAK = (
    "(Зв'язок із моделлю обірвався після цих слів, клієнт їх уже почув. "
    "Продовжте відповідь з того самого місця, не повторюючи сказаного.)"
)
HISTORY_MESSAGES = 40  # older history is dropped; the workflow continues-as-new long before
HISTORY_RESULT_CHARS = 2000  # replayed tool results are cut to this
_CONTENT_EVENTS = ("content_block_start", "content_block_delta")
# A model slow for everyone gets at most a quarter more requests from the hedges, not twice as many.
HEDGES = HedgeBudget(ratio=0.25)
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 529})
RETRYABLE_ERROR_TYPES = frozenset({"overloaded_error", "rate_limit_error", "api_error", "timeout_error"})

TOOL_SCENARIOS: dict[str, Scenario] = {
    "search_tires": Scenario.TIRE_SEARCH,
    "vehicle_fitment": Scenario.TIRE_SEARCH,
    "check_availability": Scenario.AVAILABILITY,
    "get_order_status": Scenario.ORDER_STATUS,
    "create_order": Scenario.ORDER,
    "fitting_slots": Scenario.FITTING,
    "book_fitting": Scenario.FITTING,
    "transfer_to_operator": Scenario.TRANSFER,
}
# Words of a caller asking for advice rather than a search: compare, recommend, explain.
ADVICE_CUES = ("порад", "порадь", "рекоменд", "кращ", "різниц", "порівн", "яку обрати", "що обрати", "що краще")
# What a spoken question asks for, so the edge can tune its endpointing (see ExpectedReply).
_ASKS_DIGITS = re.compile(r"\bномер\w*\s+(замовлення|телефону|відділення)|\bпродиктуйте\b", re.IGNORECASE)
_OPEN_QUESTION = re.compile(
    r"\b(що|який|яка|яке|які|якого|яку|яких|де|коли|скільки|як|куди|звідки|чому|хто|чим|котр\w*|наскільки)\b"
    r"|\S\s+чи\s+\S",  # "Новою поштою чи кур'єром?" is a choice, not a yes/no
    re.IGNORECASE,
)


class ClaudeUnavailable(RuntimeError):
    """Claude gave no usable answer in time (errors or silence after the retries)."""


@dataclass(frozen=True)
class ClaudeConfig:
    model: str = "claude-haiku-5-5"
    max_tokens: int = 400
    first_token_timeout_s: float = 2.5
    stall_timeout_s: float = 2.0  # once the stream flows: the longest gap between two of its events
    max_retries: int = 2  # per model call; the step deadline bounds the total
    step_timeout_s: float = 8.0
    hedge_after_s: float = 1.2  # no content by then: a second request races the first (0: never)
    retry_backoff_s: float = 0.25
    max_retry_after_s: float = 1.0  # a longer retry-after is not worth a live caller's wait
    max_tool_rounds: int = 4

    @classmethod
    def from_settings(cls, settings: Settings) -> ClaudeConfig:
        return cls(
            model=settings.claude_model,
            max_tokens=settings.claude_max_tokens,
            first_token_timeout_s=settings.claude_first_token_timeout_s,
            stall_timeout_s=settings.claude_stall_timeout_s,
            max_retries=settings.claude_max_retries,
            hedge_after_s=settings.claude_hedge_after_s,
            step_timeout_s=settings.claude_step_timeout_s,
        )


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


@dataclass
class _StepTiming:
    started: float
    first_token: float | None = None
    first_sentence: float | None = None
    rounds: int = 0
    attempts: int = 0
    hedges: int = 0
    usage: dict[str, int] = field(default_factory=dict)

    def ms(self, at: float | None) -> float | None:
        return None if at is None else round((at - self.started) * 1000, 1)


@dataclass
class _ModelCall:
    """One model call's state, shared with the retry loop."""

    said: list[str] = field(default_factory=list)  # sentences said, over every attempt
    repeats: list[str] = field(default_factory=list)  # said before a break: skipped if said again
    action_started: bool = False  # an action tool_use began: nothing more is said

    @property
    def spoke(self) -> bool:
        return bool(self.said)


def kyiv_today() -> date:
    return datetime.now(KYIV).date()


class ClaudeBrain(Brain):
    name = "claude"

    def __init__(
        self,
        client: anthropic.AsyncAnthropic,
        config: ClaudeConfig | None = None,
        *,
        today: Callable[[], date] = kyiv_today,
    ) -> None:
        """`client` should have `max_retries=0`: the brain retries itself, within its deadline."""
        self._client = client
        self._config = config or ClaudeConfig()
        self._today = today
        self._tools = tool_definitions()

    @classmethod
    def from_settings(cls, settings: Settings) -> ClaudeBrain:
        if settings.anthropic_api_key is None:
            raise ValueError("the Claude brain needs ANTHROPIC_API_KEY")
        config = ClaudeConfig.from_settings(settings)
        client = anthropic.AsyncAnthropic(
            api_key=settings.anthropic_api_key.get_secret_value(),
            base_url=settings.anthropic_base_url,
            max_retries=0,
            timeout=anthropic.Timeout(config.step_timeout_s, connect=min(2.0, config.first_token_timeout_s)),
        )
        return cls(client, config)

    async def aclose(self) -> None:
        await self._client.close()

    # --- the step ---------------------------------------------------------------------------

    async def run_step(self, ctx: StepContext) -> None:
        timing = _StepTiming(started=time.perf_counter())
        deadline = asyncio.get_running_loop().time() + self._config.step_timeout_s
        try:
            async with asyncio.timeout_at(deadline):
                await self._converse(ctx, timing, deadline)
        except TimeoutError as exc:
            raise ClaudeUnavailable(f"agent step exceeded {self._config.step_timeout_s:g} s") from exc
        finally:
            logger.info(
                "claude step call=%s rounds=%d attempts=%d hedges=%d ttft_ms=%s first_sentence_ms=%s "
                "duration_ms=%.0f usage=%s",
                ctx.call_id, timing.rounds, timing.attempts, timing.hedges, timing.ms(timing.first_token),
                timing.ms(timing.first_sentence), (time.perf_counter() - timing.started) * 1000,
                json.dumps(timing.usage, separators=(",", ":")),
            )

    async def _converse(self, ctx: StepContext, timing: _StepTiming, deadline: float) -> None:
        memory = ctx.memory.setdefault("claude", {})
        messages = history_messages(ctx.history)
        system = system_blocks(self._today(), ctx.caller_number, self._notes(memory))
        said_anything = False
        last_sentence = ""

        async def say(sentence: str) -> None:
            nonlocal said_anything, last_sentence
            last_sentence = sentence
            if timing.first_sentence is None:
                timing.first_sentence = time.perf_counter()
                logger.info(
                    "claude first sentence call=%s after %s ms", ctx.call_id, timing.ms(timing.first_sentence)
                )
            said_anything = True
            await ctx.say(sentence)

        for round_no in range(self._config.max_tool_rounds + 1):
            timing.rounds = round_no + 1
            request: dict[str, Any] = {
                "model": self._config.model,
                "max_tokens": self._config.max_tokens,
                "system": system,
                "tools": self._tools,
                "messages": messages,
            }
            if round_no == self._config.max_tool_rounds:
                request["tool_choice"] = {"type": "none"}  # enough tools: answer with what you have
            message = await self._call_model(request, say, timing, deadline)

            if message.stop_reason == "refusal":
                logger.info("claude refused call=%s: transferring", ctx.call_id)
                await say(REFUSAL_LINE)
                ctx.scenarios.add(Scenario.TRANSFER)
                await ctx.tools.call("transfer_to_operator", {"reason": "відмова ШІ відповідати"})
                return

            uses = [block for block in message.content if block.type == "tool_use"]
            if not uses:
                break
            messages = [*messages, {"role": "assistant", "content": assistant_content(message)}]
            results, action_taken = await self._run_tools(ctx, uses, memory, said_anything, say)
            if action_taken:
                return  # the workflow takes over: reads back, confirms, transfers or hangs up
            messages.append({"role": "user", "content": results})

        if not said_anything:
            await say(EMPTY_REPLY_LINE)
        ctx.expect = expected_reply(last_sentence)
        self._mark_advice(ctx)

    async def _run_tools(
        self,
        ctx: StepContext,
        uses: list[ToolUseBlock],
        memory: dict[str, Any],
        said_anything: bool,
        say: Say,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Run one round's tool uses; returns their tool_result blocks and whether an action was taken."""
        for use in uses:
            if use.name in TOOL_SCENARIOS:
                ctx.scenarios.add(TOOL_SCENARIOS[use.name])
        action = next((use for use in uses if use.name in ACTION_TOOLS), None)
        errors: dict[str, str] = {}
        if action is not None:
            try:
                await ctx.tools.call(action.name, dict(action.input))
                return [], True
            except ToolError as exc:
                errors[action.id] = str(exc)  # e.g. invalid arguments: let the model fix them
        reads = [use for use in uses if use.name not in ACTION_TOOLS]
        if reads and not said_anything:
            await say(PHRASES[Phrase.CHECKING])  # cached audio covers the tool and the next call

        async def run(use: ToolUseBlock) -> Any:
            try:
                return await ctx.tools.call(use.name, dict(use.input))
            except ToolError as exc:
                errors[use.id] = str(exc)
                return None

        outcomes = dict(zip([u.id for u in reads], await asyncio.gather(*(run(u) for u in reads)), strict=True))
        results: list[dict[str, Any]] = []
        for use in uses:
            if use.id in errors:
                results.append(tool_error(use.id, errors[use.id]))
            elif use.name in ACTION_TOOLS:
                results.append(tool_error(use.id, "only one action per reply; ask again if still needed"))
            else:
                text = tool_result_text(outcomes[use.id])
                results.append({"type": "tool_result", "tool_use_id": use.id, "content": text})
        if errors:
            memory["tool_errors"] = int(memory.get("tool_errors", 0)) + len(errors)
        return results, False

    # --- one model call, with the watchdog and the retries ------------------------------------

    async def _call_model(
        self, request: dict[str, Any], say: Say, timing: _StepTiming, deadline: float
    ) -> ApiMessage:
        loop = asyncio.get_running_loop()
        attempts = 1 + max(0, self._config.max_retries)
        state = _ModelCall()
        for attempt in range(1, attempts + 1):
            timing.attempts += 1
            state.action_started = False
            said_before = " ".join(state.said)
            state.repeats = list(state.said)
            try:
                message = await self._stream(continued(request, said_before), say, timing, state)
            except _Retryable as exc:
                where = "mid-reply" if state.spoke else "before a word"
                if attempt == attempts:
                    raise ClaudeUnavailable(
                        f"Claude unavailable after {attempts} attempts ({where}): {exc.reason}"
                    ) from exc
                wait = self._config.retry_backoff_s if exc.retry_after_s is None else exc.retry_after_s
                if wait > self._config.max_retry_after_s:
                    raise ClaudeUnavailable(f"Claude asks to retry after {wait:g} s: {exc.reason}") from exc
                if loop.time() + wait + self._config.first_token_timeout_s > deadline:
                    raise ClaudeUnavailable(f"no time left to retry ({where}): {exc.reason}") from exc
                logger.warning("claude attempt %d failed %s (%s); retrying in %.2f s", attempt, where, exc.reason, wait)
                count_llm_retry(self.name, "continuation" if state.spoke else "retry")
                await asyncio.sleep(wait)
                continue
            if said_before:  # the next round's history: one reply, as the caller heard it
                message.content.insert(0, TextBlock(type="text", text=said_before))
            return message
        raise AssertionError("unreachable")

    async def _stream(
        self, request: dict[str, Any], say: Say, timing: _StepTiming, state: _ModelCall
    ) -> ApiMessage:
        splitter = SentenceSplitter()
        started = time.perf_counter()
        first_event: float | None = None

        async def speak(sentences: list[str]) -> None:
            for sentence in sentences:
                if state.action_started:
                    return
                if state.repeats and _same_words(sentence, state.repeats[0]):
                    state.repeats.pop(0)  # the continuation began with what was said: once is enough
                    continue
                state.repeats.clear()
                state.said.append(sentence)
                await say(sentence)

        loop = asyncio.get_running_loop()
        stall_s = self._config.stall_timeout_s
        first_deadline = loop.time() + self._config.first_token_timeout_s
        try:
            async with asyncio.timeout_at(first_deadline) as watchdog:
                stack, stream, events = await self._first_content(request, timing)
                async with stack:
                    async for event in events:
                        kind = event.type
                        watchdog.reschedule(None)  # our own time (say) is not the stream's
                        if first_event is None and kind in _CONTENT_EVENTS:
                            first_event = time.perf_counter()
                            if timing.first_token is None:
                                timing.first_token = first_event
                            observe_llm_first_token(self.name, first_event - started)
                            logger.debug("claude first token after %.0f ms", (first_event - started) * 1000)
                        if kind == "content_block_start" and event.content_block.type == "tool_use":
                            await speak(splitter.flush())
                            if event.content_block.name in ACTION_TOOLS:
                                state.action_started = True
                        elif kind == "content_block_delta" and event.delta.type == "text_delta":
                            await speak(splitter.feed(event.delta.text))
                        elif kind == "content_block_stop":
                            await speak(splitter.flush())
                        # A stream that stops mid-reply is as dead as one that never began: the
                        # caller must not sit through the rest of the step deadline.
                        watchdog.reschedule(first_deadline if first_event is None else loop.time() + stall_s)
                    message = await stream.get_final_message()
        except TimeoutError as exc:
            if not watchdog.expired():
                raise  # not the watchdog: let the step deadline report it
            if first_event is not None:
                raise _Retryable(f"the stream stalled for {stall_s:g} s") from exc
            raise _Retryable(f"no first token in {self._config.first_token_timeout_s:g} s") from exc
        except anthropic.APIStatusError as exc:
            raise self._classify(exc) from exc
        except anthropic.APIConnectionError as exc:  # includes the SDK's own timeouts
            raise _Retryable(f"connection: {type(exc).__name__}") from exc
        await speak(splitter.flush())
        self._add_usage(timing, message)
        return message

    async def _first_content(
        self, request: dict[str, Any], timing: _StepTiming
    ) -> tuple[contextlib.AsyncExitStack, Any, AsyncIterator[Any]]:
        """The request's stream, open up to its first content event (the events from that one
        on, and the stack that closes it). A request with no content after `hedge_after_s` gets
        a twin: the first of the two to say something is used, the other is closed. A slow
        answer then costs the hedge's delay, not the first-token timeout and a retry."""

        def hedged(_n: int, _failure: BaseException | None) -> None:
            timing.hedges += 1
            count_llm_retry(self.name, "hedge")
            logger.info("claude: no first token in %.1f s, a twin request races it", self._config.hedge_after_s)

        async def close(opened: tuple[contextlib.AsyncExitStack, Any, AsyncIterator[Any]]) -> None:
            await opened[0].aclose()

        return await first_success(
            lambda: self._open_until_content(request), hedge_after_s=self._config.hedge_after_s, max_tries=2,
            on_try=hedged, discard=close, budget=HEDGES,
        )

    async def _open_until_content(
        self, request: dict[str, Any]
    ) -> tuple[contextlib.AsyncExitStack, Any, AsyncIterator[Any]]:
        stack = contextlib.AsyncExitStack()
        try:
            stream = await stack.enter_async_context(self._client.messages.stream(**request))
            events = stream.__aiter__()
            skipped: list[Any] = []
            async for event in events:  # message_start and pings come with the headers
                skipped.append(event)
                if event.type in _CONTENT_EVENTS:
                    break
            return stack, stream, _chain(skipped, events)
        except BaseException:
            await stack.aclose()
            raise

    @staticmethod
    def _classify(exc: anthropic.APIStatusError) -> Exception:
        error_type = ""
        if isinstance(exc.body, dict):
            error = exc.body.get("error")
            if isinstance(error, dict):
                error_type = str(error.get("type", ""))
        reason = f"{exc.status_code} {error_type}".strip()
        if exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500 or error_type in RETRYABLE_ERROR_TYPES:
            return _Retryable(reason, _retry_after(exc.response))
        return ClaudeUnavailable(f"Claude rejected the request: {reason}")

    @staticmethod
    def _add_usage(timing: _StepTiming, message: ApiMessage) -> None:
        usage = getattr(message, "usage", None)
        if usage is None:
            return
        for key in ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"):
            value = getattr(usage, key, None)
            if isinstance(value, int):
                timing.usage[key] = timing.usage.get(key, 0) + value

    # --- memory, scenarios --------------------------------------------------------------------

    @staticmethod
    def _notes(memory: dict[str, Any]) -> list[str]:
        if int(memory.get("tool_errors", 0)) >= 2:
            return ["Інструменти вже кілька разів повернули помилку: запропонуйте з'єднати з оператором."]
        return []

    @staticmethod
    def _mark_advice(ctx: StepContext) -> None:
        text = ctx.caller_text.lower()
        if any(cue in text for cue in ADVICE_CUES):
            ctx.scenarios.add(Scenario.ADVICE)


def expected_reply(sentence: str) -> ExpectedReply:
    """What the reply's last sentence asks the caller for: a number, a yes or no, or anything."""
    sentence = sentence.strip()
    if _ASKS_DIGITS.search(sentence):
        return ExpectedReply.DIGITS  # "Підкажіть, будь ласка, номер замовлення."
    if not sentence.endswith("?"):
        return ExpectedReply.OPEN
    if sentence.lower().startswith("чи ") or not _OPEN_QUESTION.search(sentence):
        return ExpectedReply.YES_NO
    return ExpectedReply.OPEN


# --- the conversation as Messages API messages ----------------------------------------------


def history_messages(history: list[Message]) -> list[dict[str, Any]]:
    """The call so far as valid API messages: user first and last, roles alternating, each
    tool_use answered by its tool_result in the next message."""
    recent = history[-HISTORY_MESSAGES:]
    turns: list[tuple[str, list[dict[str, Any]]]] = []
    for index, entry in enumerate(recent):
        if entry.role == Role.CALLER:
            if entry.text.strip():
                turns.append(("user", [{"type": "text", "text": entry.text.strip()}]))
            continue
        if entry.role != Role.AGENT:
            continue
        if entry.tool_calls:
            uses, results = _replay(entry.tool_calls, prefix=f"toolu_h{index}")
            turns.append(("assistant", uses))
            turns.append(("user", results))
        if entry.text.strip():
            turns.append(("assistant", [{"type": "text", "text": entry.text.strip()}]))
    merged: list[dict[str, Any]] = []
    for role, content in turns:
        if merged and merged[-1]["role"] == role:
            merged[-1]["content"] = [*merged[-1]["content"], *content]
        else:
            merged.append({"role": role, "content": list(content)})
    if not merged or merged[0]["role"] != "user":
        merged.insert(0, {"role": "user", "content": [{"type": "text", "text": CALL_STARTED}]})
    if merged[-1]["role"] != "user":
        merged.append({"role": "user", "content": [{"type": "text", "text": CALLER_SILENT}]})
    for message in merged:  # a user message answering tools must list its tool_results first
        message["content"].sort(key=lambda block: block["type"] != "tool_result")
    return merged


def _replay(calls: list[ToolCall], prefix: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    uses: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for number, call in enumerate(calls):
        use_id = f"{prefix}_{number}"
        uses.append({"type": "tool_use", "id": use_id, "name": call.name, "input": dict(call.arguments)})
        if call.error:
            results.append(tool_error(use_id, call.error))
        else:
            text = tool_result_text(call.result, limit=HISTORY_RESULT_CHARS)
            results.append({"type": "tool_result", "tool_use_id": use_id, "content": text})
    return uses, results


async def _chain(first: list[Any], rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    for event in first:
        yield event
    async for event in rest:
        yield event


def continued(request: dict[str, Any], said: str) -> dict[str, Any]:
    """``request`` again, after a break that came once ``said`` was spoken: those words as the
    assistant's turn, then the note to go on (a user turn: the conversation must end with one)."""
    if not said:
        return request
    return {
        **request,
        "messages": [
            *request["messages"],
            {"role": "assistant", "content": [{"type": "text", "text": said}]},
            {"role": "user", "content": [{"type": "text", "text": CONTINUE_AFTER_BREAK}]},
        ],
    }


def _same_words(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()


def assistant_content(message: ApiMessage) -> list[dict[str, Any]]:
    """The model's reply as request content: text and tool_use blocks, empty text dropped."""
    content: list[dict[str, Any]] = []
    for block in message.content:
        if block.type == "text" and block.text.strip():
            content.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            content.append({"type": "tool_use", "id": block.id, "name": block.name, "input": dict(block.input)})
    return content


def tool_error(use_id: str, error: str) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": use_id, "content": error or "error", "is_error": True}


def _retry_after(response: Any) -> float | None:
    if response is None:
        return None
    headers = response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                continue
    return None
