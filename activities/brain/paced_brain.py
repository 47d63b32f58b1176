"""The rules brain at a cloud LLM's pace, for the load bench (``sim_llm_*`` settings).

A streaming LLM's sentence exists once its last token has arrived: the first token comes
``first_token_ms`` after the request, the rest at ``tokens_per_s``. This wrapper holds each
sentence the inner brain says until then (one LLM round per turn; tokens ≈ characters / 3, about
what Claude's tokenizer gives for Ukrainian), and books the waits to the call so the bench can
subtract them from the turn.
"""

from __future__ import annotations

import time

from activities.brain.base_brain import Brain, StepContext
from callcenter.engine_waits import ENGINE_WAITS

CHARS_PER_TOKEN = 3.0


def tokens_in(text: str) -> int:
    return max(1, round(len(text) / CHARS_PER_TOKEN))


class PacedBrain(Brain):
    def __init__(self, inner: Brain, first_token_ms: float, tokens_per_s: float) -> None:
        self.inner = inner
        self.name = inner.name
        self.first_token_s = first_token_ms / 1000
        self.tokens_per_s = tokens_per_s

    async def run_step(self, ctx: StepContext) -> None:
        first_token_at = time.monotonic() + self.first_token_s
        tokens = 0
        say = ctx.say

        async def paced(text: str) -> None:
            nonlocal tokens
            tokens += tokens_in(text)
            streamed_s = tokens / self.tokens_per_s if self.tokens_per_s > 0 else 0.0
            await ENGINE_WAITS.wait(ctx.call_id, first_token_at + streamed_s - time.monotonic())
            await say(text)

        ctx.say = paced
        try:
            await self.inner.run_step(ctx)
        finally:
            ctx.say = say
