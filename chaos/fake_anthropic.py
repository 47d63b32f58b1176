"""A local fake of the Anthropic Messages API (``POST /v1/messages``), for tests and the chaos
scenarios (``tests/fakes/anthropic_api.py`` re-exports it).

The real ``anthropic.AsyncAnthropic`` client talks to it over a real socket (``base_url``). It
answers streaming requests with Server-Sent Events exactly as the API does: ``message_start``,
``ping``, ``content_block_start`` / ``content_block_delta`` (``text_delta``, ``input_json_delta``) /
``content_block_stop`` per block, ``message_delta`` with the stop reason and usage (including the
prompt-cache token counts), ``message_stop``.

Scripting: ``fake.script(...)`` queues one answer per request, taken in order:

* ``Reply("Добрий ", "день.", Pause(0.3), "Ще речення.", ToolUse("search_tires", {...}))``:
  consecutive strings are text deltas of one text block, ``Pause`` waits before the next event,
  ``ToolUse`` is a tool_use block whose input arrives as ``input_json_delta`` pieces.
  ``stop_reason`` defaults to ``tool_use`` if there is a tool, else ``end_turn`` (``"refusal"`` too).
  ``hang_s`` waits that long before even the response headers; ``StreamError`` mid-stream sends
  an ``error`` event.
* ``Failure(529, "overloaded_error")``, ``Failure(429, "rate_limit_error", retry_after_s=0.05)``,
  ``Failure(500, "api_error")``: an HTTP error with the API's JSON error body.

With the queue empty the fake asks its ``responder`` (``FakeAnthropic(responder=fn)``: the
request's JSON body → an answer), which lets concurrent conversations each get answers that fit
them; without one it answers 500 (``"no scripted reply"``), so a test sees an unexpected request. Every request is recorded (``fake.requests``: path, headers, JSON body, time received),
and every SSE event sent with its ``time.perf_counter()`` (``fake.sent``).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Callable
from typing import Any

MODEL = "claude-haiku-5-5"


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class ToolUse:
    name: str
    input: dict[str, Any]
    id: str | None = None
    pieces: int = 3  # the input JSON is sent in this many input_json_delta events


@dataclass(frozen=True)
class StreamError:
    """An ``error`` event in the middle of a stream (the API's overloaded_error, api_error)."""

    error_type: str = "overloaded_error"
    message: str = "Overloaded"


Part = str | Pause | ToolUse | StreamError


class Reply:
    """One streamed answer: text deltas, pauses, tool uses, in order."""

    def __init__(self, *parts: Part, stop_reason: str | None = None, hang_s: float = 0.0,
                 delay_s: float = 0.0, input_tokens: int = 40, output_tokens: int = 25,
                 cache_read_input_tokens: int = 2048, cache_creation_input_tokens: int = 0) -> None:
        self.parts = parts
        self.stop_reason = stop_reason
        self.hang_s = hang_s  # silence before the response starts (not even headers)
        self.delay_s = delay_s  # before each event
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.cache_read_input_tokens = cache_read_input_tokens
        self.cache_creation_input_tokens = cache_creation_input_tokens

    @property
    def final_stop_reason(self) -> str:
        if self.stop_reason:
            return self.stop_reason
        return "tool_use" if any(isinstance(p, ToolUse) for p in self.parts) else "end_turn"


@dataclass(frozen=True)
class Failure:
    status: int
    error_type: str
    message: str = "injected by the fake"
    retry_after_s: float | None = None


Answer = Reply | Failure


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]
    at: float  # time.perf_counter() when the body was read


@dataclass
class SentEvent:
    type: str
    data: dict[str, Any]
    at: float  # time.perf_counter() right after it was flushed to the socket


@dataclass
class FakeAnthropic:
    """The server; use as a context manager (or ``start()`` / ``close()``)."""

    host: str = "127.0.0.1"
    requests: list[RecordedRequest] = field(default_factory=list)
    sent: list[SentEvent] = field(default_factory=list)
    responder: Callable[[dict[str, Any]], Answer] | None = None  # used when no scripted answer is queued

    def __post_init__(self) -> None:
        self._answers: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._ids = 0

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-anthropic", daemon=True).start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://{self.host}:{self._server.server_address[1]}"

    # --- scripting ----------------------------------------------------------------------

    def script(self, *answers: Answer) -> None:
        with self._lock:
            self._answers.extend(answers)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._answers)

    def _next(self, body: dict[str, Any]) -> Answer:
        with self._lock:
            if self._answers:
                return self._answers.popleft()
        if self.responder is not None:
            return self.responder(body)
        return Failure(500, "api_error", "no scripted reply")

    def _new_id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}_fake{self._ids:04d}"

    def _record_sent(self, event: SentEvent) -> None:
        with self._lock:
            self.sent.append(event)

    # --- SSE ----------------------------------------------------------------------------

    def events(self, reply: Reply, model: str) -> list[dict[str, Any] | Pause | StreamError]:
        """The SSE events of a reply, with pauses and injected errors where the script put them."""
        usage_start = {
            "input_tokens": reply.input_tokens,
            "output_tokens": 1,
            "cache_creation_input_tokens": reply.cache_creation_input_tokens,
            "cache_read_input_tokens": reply.cache_read_input_tokens,
        }
        out: list[dict[str, Any] | Pause | StreamError] = [
            {
                "type": "message_start",
                "message": {
                    "id": self._new_id("msg"), "type": "message", "role": "assistant", "model": model,
                    "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage_start,
                },
            },
            {"type": "ping"},
        ]
        index = -1
        in_text = False
        for part in reply.parts:
            if isinstance(part, Pause | StreamError):
                out.append(part)
                continue
            if isinstance(part, str):
                if not in_text:
                    index += 1
                    in_text = True
                    out.append({"type": "content_block_start", "index": index,
                                "content_block": {"type": "text", "text": ""}})
                out.append({"type": "content_block_delta", "index": index,
                            "delta": {"type": "text_delta", "text": part}})
                continue
            if in_text:
                out.append({"type": "content_block_stop", "index": index})
                in_text = False
            index += 1
            out.append({"type": "content_block_start", "index": index, "content_block": {
                "type": "tool_use", "id": part.id or self._new_id("toolu"), "name": part.name, "input": {}}})
            raw = json.dumps(part.input, ensure_ascii=False)
            step = max(1, -(-len(raw) // max(1, part.pieces)))
            for start in range(0, len(raw), step):
                out.append({"type": "content_block_delta", "index": index,
                            "delta": {"type": "input_json_delta", "partial_json": raw[start:start + step]}})
            out.append({"type": "content_block_stop", "index": index})
        if in_text:
            out.append({"type": "content_block_stop", "index": index})
        out.append({
            "type": "message_delta",
            "delta": {"stop_reason": reply.final_stop_reason, "stop_sequence": None},
            "usage": {
                "input_tokens": reply.input_tokens,
                "output_tokens": reply.output_tokens,
                "cache_creation_input_tokens": reply.cache_creation_input_tokens,
                "cache_read_input_tokens": reply.cache_read_input_tokens,
            },
        })
        out.append({"type": "message_stop"})
        return out

    def message(self, reply: Reply, model: str) -> dict[str, Any]:
        """The same reply as one non-streaming Message object."""
        content: list[dict[str, Any]] = []
        for part in reply.parts:
            if isinstance(part, str):
                if content and content[-1]["type"] == "text":
                    content[-1]["text"] += part
                else:
                    content.append({"type": "text", "text": part})
            elif isinstance(part, ToolUse):
                content.append({"type": "tool_use", "id": part.id or self._new_id("toolu"),
                                "name": part.name, "input": part.input})
        return {
            "id": self._new_id("msg"), "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": reply.final_stop_reason, "stop_sequence": None,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens,
                      "cache_creation_input_tokens": reply.cache_creation_input_tokens,
                      "cache_read_input_tokens": reply.cache_read_input_tokens},
        }


class _Handler(BaseHTTPRequestHandler):
    owner: FakeAnthropic
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        fake = self.owner
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        with fake._lock:
            headers = {name.lower(): value for name, value in self.headers.items()}
            fake.requests.append(RecordedRequest(self.path, headers, body, time.perf_counter()))
        if self.path.split("?")[0] != "/v1/messages":
            self._json(404, _error_body("not_found_error", f"no route {self.path}"))
            return
        answer = fake._next(body)
        if isinstance(answer, Failure):
            headers = {}
            if answer.retry_after_s is not None:
                headers["retry-after-ms"] = str(int(answer.retry_after_s * 1000))
                headers["retry-after"] = str(max(1, round(answer.retry_after_s)))
            self._json(answer.status, _error_body(answer.error_type, answer.message), headers)
            return
        if answer.hang_s and fake._stop.wait(answer.hang_s):
            return
        model = str(body.get("model", MODEL))
        if not body.get("stream"):
            self._json(200, fake.message(answer, model))
            return
        try:
            self._stream(answer, model)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: that is what some tests are about

    def _stream(self, reply: Reply, model: str) -> None:
        fake = self.owner
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("request-id", fake._new_id("req"))
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        self.wfile.flush()
        for event in fake.events(reply, model):
            if isinstance(event, Pause):
                if fake._stop.wait(event.seconds):
                    return
                continue
            if isinstance(event, StreamError):
                data = _error_body(event.error_type, event.message)
                self._send_event("error", data)
                return
            if reply.delay_s and fake._stop.wait(reply.delay_s):
                return
            self._send_event(event["type"], event)

    def _send_event(self, kind: str, data: dict[str, Any]) -> None:
        payload = f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
        self.wfile.write(payload)
        self.wfile.flush()
        self.owner._record_sent(SentEvent(kind, data, time.perf_counter()))

    def _json(self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.send_header("request-id", self.owner._new_id("req"))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


def _error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}
