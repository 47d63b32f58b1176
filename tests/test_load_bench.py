"""The load bench's parts: engine waits booked per call, the process-wide lateness histogram,
the paced brain and the delayed voice, and one small level through the real system (store and
worker as processes, the edge over AudioSocket). Numbers live in docs/performance.md, not here."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from activities.brain.base_brain import Brain, StepContext
from activities.brain.paced_brain import PacedBrain, tokens_in
from bench.load import ENGINE_PROFILES, EngineLatency, load_system, markdown_section, measure_load, plot_png
from bench.report import SlowCallbacks, machine_info
from callcenter.engine_waits import CURRENT_CALL, ENGINE_WAITS, EngineWaits
from callcenter.settings import Settings
from media_edge.audiosocket.pacing import LatenessHistogram, PlayoutClock
from media_edge.tts.base_tts import TtsEngine
from media_edge.tts.delayed_tts import DelayedTts
from tests.test_pacing import TimedWire, VirtualLoop


async def test_slow_callbacks_are_named_and_the_loop_is_restored_after() -> None:
    async def hogs_the_loop() -> None:
        await asyncio.sleep(0)
        time.sleep(0.012)  # a synchronous stretch, as a slow frame handler would be
        await asyncio.sleep(0)

    def quick() -> None:
        pass

    original = asyncio.events.Handle._run
    with SlowCallbacks(threshold_ms=8, sample_every_s=0.001) as slow:
        await asyncio.create_task(hogs_the_loop())
        asyncio.get_running_loop().call_soon(quick)
        await asyncio.sleep(0.01)
    assert asyncio.events.Handle._run is original
    [(name, count, total_ms, worst_ms)] = slow.top()
    assert "hogs_the_loop" in name and count == 1
    assert 12 <= worst_ms == total_ms < 100
    assert slow.callbacks >= 3  # the quick ones were timed too, just not kept
    assert any("test_load_bench:hogs_the_loop" in where for where in slow.stacks), "sampled where it was"
    assert "hogs_the_loop" in slow.text()


def test_engine_waits_count_overlaps_once_and_only_inside_the_window() -> None:
    waits = EngineWaits()
    waits._spans.extend([("a", 1.0, 2.0), ("a", 1.5, 2.5), ("a", 4.0, 5.0), ("b", 0.0, 10.0)])
    assert waits.within("a", 0.0, 10.0) == 2.5  # 1.0-2.5 and 4.0-5.0
    assert waits.within("a", 2.0, 4.5) == 1.0  # 2.0-2.5 and 4.0-4.5
    assert waits.within("a", 2.6, 3.9) == 0.0
    assert waits.within("c", 0.0, 10.0) == 0.0


def test_lateness_histogram_has_every_frame_of_every_clock() -> None:
    hist = LatenessHistogram()
    before = hist.snapshot()
    lates = iter([0.0, 0.001, 0.003] * 1000)
    loop = VirtualLoop(lambda: next(lates, 0.0))
    clock = PlayoutClock(TimedWire(loop), 16000, clock=loop.time, lateness=hist)
    clock.start(loop)
    loop.run_until(59.99)  # 3000 ticks
    got = hist.snapshot().since(before)
    assert got.frames == clock.frames_out == 3000
    # a third of the frames 0 ms late, a third ~1 ms, a third ~3 ms (plus the write cost)
    assert got.percentile_ms(30) <= 0.25
    assert 0.75 <= got.percentile_ms(50) <= 1.5
    assert 2.75 <= got.percentile_ms(99) <= 3.5
    assert got.underruns == 0 and got.resyncs == 0


class _TwoSentences(Brain):
    name = "rules"

    async def run_step(self, ctx: StepContext) -> None:
        await ctx.say("Перше речення відповіді.")
        await ctx.say("Друге, трохи довше речення відповіді агента.")


async def test_paced_brain_says_each_sentence_when_its_last_token_would_arrive() -> None:
    said: list[tuple[str, float]] = []

    async def say(text: str) -> None:
        said.append((text, time.monotonic()))

    ctx = StepContext(call_id="paced-1", caller_number="+380501112233", history=[], memory={}, tools=None,  # type: ignore[arg-type]
                      say=say)
    started = time.monotonic()
    await PacedBrain(_TwoSentences(), first_token_ms=200, tokens_per_s=100).run_step(ctx)
    first, second = said
    first_due = 0.2 + tokens_in(first[0]) / 100
    second_due = first_due + tokens_in(second[0]) / 100
    assert first_due - 0.01 <= first[1] - started <= first_due + 0.15
    assert second_due - 0.01 <= second[1] - started <= second_due + 0.15
    booked = ENGINE_WAITS.within("paced-1", started, time.monotonic())
    assert abs(booked - second_due) < 0.1  # all of it was the engine's time
    assert ctx.say is say  # the context is left as it was


class _Instant(TtsEngine):
    name = "instant"
    sample_rate = 16000

    async def synthesize(self, text: str):  # type: ignore[override]
        yield b"\0\0" * 320


async def test_delayed_voice_books_its_wait_to_the_call_being_spoken() -> None:
    tts = DelayedTts(_Instant(), first_audio_ms=120)

    async def speak() -> float:
        CURRENT_CALL.set("voice-1")
        started = time.monotonic()
        chunks = [c async for c in tts.synthesize("Добрий день.")]
        assert chunks
        return started

    started = await asyncio.create_task(speak())
    assert 0.11 <= ENGINE_WAITS.within("voice-1", started, time.monotonic()) <= 0.2


class _Slow(_Instant):
    async def synthesize(self, text: str):  # type: ignore[override]
        await asyncio.sleep(0.25)  # an offline voice busy with other calls' sentences
        yield b"\0\0" * 320


async def test_delayed_voice_books_a_slow_offline_voice_as_engine_time_too() -> None:
    tts = DelayedTts(_Slow(), first_audio_ms=100)

    async def speak() -> tuple[float, float]:
        CURRENT_CALL.set("voice-2")
        started = time.monotonic()
        async for _chunk in tts.synthesize("Добрий день."):
            return started, time.monotonic()
        raise AssertionError("no audio")

    started, first = await asyncio.create_task(speak())
    assert first - started >= 0.25
    assert ENGINE_WAITS.within("voice-2", started, first) >= 0.24


async def test_one_level_under_load_is_measured_through_the_real_system(temporal_server, make_database,
                                                                        tmp_path: Path) -> None:
    engines = EngineLatency(stt_final_ms=100, llm_first_token_ms=150, llm_tokens_per_s=200, tts_first_audio_ms=80)
    servers = (temporal_server, await make_database())
    async with load_system(Settings(), tmp_path, engines, servers=servers) as system:
        result = await measure_load(system, calls=2, turns=2, listen_s=(0.5, 1.0))
    assert result.ok, result.problems
    assert result.timed == result.turns_spoken == 4
    assert result.engines is not None and result.overhead is not None and result.first_audio is not None
    # every turn waited at least for STT + first token + TTS, and that is not counted as ours
    assert result.engines.p50 >= 100 + 150 + 80
    assert 0 < result.overhead.p50 < result.engines.p50
    assert result.first_audio.p50 > result.engines.p50 + result.overhead.p50
    assert result.frames > 0 and result.underruns == 0
    assert {"edge", "worker", "store", "temporal"} <= set(result.cpu_pct)
    assert result.cpu_pct["edge"] > 0 and result.cpu_pct["worker"] > 0
    # per turn: at least the update, its workflow task and the agent step activity
    assert result.round_trips["updates"] >= 4 and result.round_trips_per_turn >= 3
    section = markdown_section([result], machine_info(system.settings), engines, 2, tmp_path / "load.png")
    assert "| 2 | 4/4 |" in section
    plot_png([result], tmp_path / "load.png", engines)
    assert (tmp_path / "load.png").read_bytes()[:4] == b"\x89PNG"


def test_the_cloud_profile_is_the_middle_of_the_design_budget() -> None:
    cloud = ENGINE_PROFILES["cloud"]
    assert 100 <= cloud.stt_final_ms <= 200 and 100 <= cloud.tts_first_audio_ms <= 200
    assert 300 <= cloud.llm_first_token_ms <= 600
