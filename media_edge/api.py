"""The edge's HTTP side: call registration and disposition for the dialplan, health, metrics, ops views.

The dialplan calls these with CURL(): registration before the AudioSocket leg (AudioSocket
carries no caller ID), disposition after it (transfer or hang up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from callcenter.http_server import metrics_response
from callcenter.settings import Settings
from media_edge.http_common import ops_token_guard, valid_call_id
from media_edge.registry import CallRegistration, CallRegistry, Disposition
from workflows.masking import mask_phone


class Utterance(BaseModel):
    text: str


def create_edge_api(
    settings: Settings,
    registry: CallRegistry,
    *,
    expect_utterance: Callable[[str, str], None] | None = None,
    is_ready: Callable[[], bool] = lambda: True,
) -> FastAPI:
    app = FastAPI(title="media edge", version="0.1.0")

    require_ops_token = ops_token_guard(settings)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        if not is_ready():
            raise HTTPException(status_code=503, detail="starting")
        return {"status": "ok", "edge_id": settings.edge_id, "active_calls": len(registry.sessions)}

    @app.get("/metrics")
    async def metrics():
        return metrics_response()

    @app.post("/calls/{call_id}/register", status_code=204)
    async def register(call_id: str, registration: CallRegistration) -> None:
        registry.register(valid_call_id(call_id), registration)

    @app.get("/calls/{call_id}/disposition")
    async def disposition(call_id: str, format: Annotated[str, Query(pattern="^(json|dialplan)$")] = "json"):
        result: Disposition = registry.disposition(valid_call_id(call_id))
        if format == "dialplan":
            # One line the dialplan splits with CUT(…,\,,n): action,queue,caller name
            # (transfer, hangup, callback: hang up, the caller was promised a call back).
            name = result.caller_name.replace(",", " ")
            return PlainTextResponse(f"{result.action.value},{result.queue},{name}")
        return result

    @app.get("/calls", dependencies=[Depends(require_ops_token)])
    async def live_calls() -> list[dict[str, Any]]:
        return [
            {
                "call_id": call_id,
                "caller": mask_phone(session.registration.caller_number),
                "dialled": session.registration.dialled_number,
                "turns": session.turns_taken,
                "rate": session.rate,
            }
            for call_id, session in registry.sessions.items()
        ]

    if expect_utterance is not None:

        @app.post("/sim/calls/{call_id}/utterances", status_code=204)
        async def expect(call_id: str, utterance: Utterance) -> None:
            """The simulated recognizer's side channel: the words of the next caller utterance."""
            expect_utterance(valid_call_id(call_id), utterance.text)

    return app
