"""The edge's speech loop through the real AudioSocket path: barge-in, fillers, no input, call
length, DTMF, degraded paths, line noise and metrics.

Every call here is a simulated Asterisk leg (real frames at real time) against the embedded stack
(edge, calls worker, store, Temporal, PostgreSQL). What the caller hears is checked on the wire:
a cached phrase is found in the agent audio by its exact samples.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from temporalio.api.enums.v1 import EventType

from callcenter.simulator.asterisk_leg import AsteriskLeg, LineNoise
from callcenter.simulator.runner import CallerVoice, run_call
from callcenter.simulator.script import CallScript
from media_edge import metrics
import media_edge.session as session_module
from media_edge.phrases import Phrase
from media_edge.playback import Playback
from workflows.models import CallOutcome, CallSnapshot, ExpectedReply, Role

ASK_WINTER = "Потрібні зимові шини двісті п'ять п'ятдесят п'ять ер шістнадцять."


@pytest.fixture(scope="module")
def voice() -> CallerVoice:
    return CallerVoice()


def _count(counter) -> float:
    return counter._value.get()


def _histogram_count(histogram) -> float:
    return next(s.value for m in histogram.collect() for s in m.samples if s.name.endswith("_count"))


def _times_heard(system, leg: AsteriskLeg, phrase: Phrase) -> int:
    """How often a cached phrase reached the caller: its exact samples in the agent audio."""
    pcm = system.edge.ctx.phrases.get(phrase, leg.rate)
    middle = (len(pcm) // 3) & ~1
    return leg.agent_audio().count(pcm[middle : middle + leg.rate // 5])  # 100 ms of it


@asynccontextmanager
async def _call(system, *, caller: str = "+380501234567", rate: int = 16000, **leg_options) -> AsyncIterator[
    tuple[AsteriskLeg, httpx.AsyncClient]
]:
    settings = system.settings
    call_id = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=settings.edge_url, timeout=5.0) as edge:
        await edge.post(f"/calls/{call_id}/register", json={"caller_number": caller})
        leg = AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=call_id, rate=rate, **leg_options)
        await leg.connect()
        try:
            yield leg, edge
        finally:
            if not leg.remote_closed.is_set():
                await leg.hangup()
            await leg.close()


async def _say(leg: AsteriskLeg, edge: httpx.AsyncClient, voice: CallerVoice, text: str) -> float:
    await edge.post(f"/sim/calls/{leg.call_id}/utterances", json={"text": text})
    return await leg.send_audio(await voice.say(text, leg.rate))


def _slow_tts(system, monkeypatch, delay_s: float, sentences: int | None = None) -> None:
    """From now on the call's TTS takes ``delay_s`` before each sentence (only the first
    ``sentences`` ones, if given): a slow engine, or a slow agent."""
    tts = system.edge.ctx.tts
    real = tts.synthesize
    left = [sentences]

    async def slow(text: str):
        if left[0] is None or left[0] > 0:
            left[0] = None if left[0] is None else left[0] - 1
            await asyncio.sleep(delay_s)
        async for chunk in real(text):
            yield chunk

    monkeypatch.setattr(tts, "synthesize", slow)


async def _snapshot(temporal_client, call_id: str) -> CallSnapshot:
    return await temporal_client.get_workflow_handle(call_id).query("snapshot", result_type=CallSnapshot)


async def _hangup_reason(system, call_id: str) -> str:
    for _ in range(100):
        row = await system.pool.fetchrow(
            "SELECT hangup_reason FROM callcenter.calls WHERE call_id = $1", uuid.UUID(call_id)
        )
        if row is not None:
            return row["hangup_reason"]
        await asyncio.sleep(0.1)
    raise AssertionError("no call record")


# --- heard text, without audio -------------------------------------------------------------------


class _Wire:
    """The playout clock as Playback sees it: what is queued, and what has been played."""

    rate = 8000

    def __init__(self) -> None:
        self.queue = bytearray()

    def send_audio(self, pcm: bytes) -> None:
        self.queue += pcm

    def clear_audio(self) -> int:
        ms = len(self.queue) // 16
        self.queue.clear()
        return ms

    def play(self, ms: int) -> None:
        del self.queue[: ms * 16]

    @property
    def is_playing(self) -> bool:
        return bool(self.queue)

    @property
    def queued_ms(self) -> int:
        return len(self.queue) // 16


def test_heard_text_follows_the_audio_played_sentence_by_sentence_and_within_one() -> None:
    wire = _Wire()
    playback = Playback(wire)
    playback.begin_reply()
    playback.play(bytes(16 * 500))  # a filler: audio, but no words of the reply
    playback.play(bytes(16 * 1000), text="Є три моделі.")
    sentence = playback.open_sentence("Перша коштує дві тисячі гривень за шину")
    for _ in range(4):
        playback.extend(sentence, bytes(16 * 500))
    wire.play(400)
    assert playback.heard_text() == "" and not playback.reply_reached_caller()
    wire.play(200)  # 100 ms into the first sentence: no whole word yet, but the reply has begun
    assert playback.heard_text() == "" and playback.reply_reached_caller()
    wire.play(900)
    assert playback.heard_text() == "Є три моделі."
    wire.play(1000)  # half of the second sentence
    playback.pause()
    assert not wire.is_playing and playback.is_playing
    assert playback.heard_text() == "Є три моделі. Перша коштує дві тисячі"
    playback.resume()  # it was a cough
    assert wire.queued_ms == 1000
    wire.play(500)
    assert playback.drop() == "Є три моделі. Перша коштує дві тисячі гривень"
    assert not wire.is_playing

    # A sentence opened for synthesis, its audio not there yet, was not heard.
    playback.begin_reply()
    playback.open_sentence("Друга дешевша.")
    assert playback.heard_text() == "" and not playback.reply_reached_caller()
    assert playback.drop() == ""


def test_a_filler_said_while_a_sentence_is_synthesised_is_not_its_words() -> None:
    """The line went quiet while a sentence was being synthesised, and "Ще секунду" was queued
    first: the caller hearing that filler has heard nothing of the sentence."""
    wire = _Wire()
    playback = Playback(wire)
    playback.begin_reply()
    sentence = playback.open_sentence("Замовлення оформлено.")
    playback.play(bytes(16 * 1000))  # the filler
    playback.extend(sentence, bytes(16 * 1000))
    wire.play(900)
    assert playback.heard_text() == "" and not playback.reply_reached_caller()
    wire.play(1100)
    assert playback.heard_text() == "Замовлення оформлено."


# --- barge-in --------------------------------------------------------------------------------------


async def test_barge_in_stops_the_agent_at_once_and_the_workflow_learns_what_was_heard(
    system, voice, temporal_client, capsys
) -> None:
    """The caller talks over the greeting and over the offer: on the wire the agent falls silent
    within a few hundred ms each time, and the transcript says what the caller heard."""
    script = CallScript.load("barge_in")
    stops_before = _histogram_count(metrics.BARGE_IN_STOP)
    report = await run_call(system.settings, script, voice=voice, out=None)

    assert report.problems == []
    stops = [t.barge_in_stop_ms for t in report.turns if t.barge_in_stop_ms is not None]
    assert len(stops) == 2
    with capsys.disabled():
        print(f"\nbarge-in, caller speech → agent silent on the wire: {[round(s) for s in stops]} ms, "
              f"median {statistics.median(stops):.0f} ms")
    assert all(0 < stop < 400 for stop in stops), stops
    assert _histogram_count(metrics.BARGE_IN_STOP) - stops_before == 2

    transcript = report.snapshot.transcript
    notes = [e for e in transcript if e.role == Role.SYSTEM and "heard:" in e.text]
    assert len(notes) == 2
    for note in notes:
        heard = note.text.split("heard:", 1)[1].strip()
        said = " ".join(e.text for e in transcript if e.role == Role.AGENT and e.turn_id == note.turn_id)
        assert heard and said.startswith(heard) and len(heard) < len(said), (heard, said)


async def test_a_cough_over_the_agent_does_not_interrupt_it(system, voice, temporal_client, capsys) -> None:
    """170 ms of sound over the agent (shorter than barge_in_min_speech_ms): the reply goes on."""
    barge_ins = _count(metrics.BARGE_INS)
    cough = (await voice.say("Угу", 16000))[: 16000 * 2 * 170 // 1000]
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        asked = await _say(leg, edge, voice, ASK_WINTER)
        await leg.wait_for_agent_audio(after=asked, timeout=10)
        await asyncio.sleep(1.5)  # the offer of three tires is playing (it lasts ~20 s)
        coughed = await leg.send_audio(cough)
        await asyncio.sleep(3.0)
        audible_after = sum(f.duration_s for f in leg.received if f.t > coughed and not f.silent)
        snapshot = await _snapshot(temporal_client, leg.call_id)
    # The agent may pause while the sound is judged (and then go on from where it stopped).
    around = [f for f in leg.received if coughed - 0.5 < f.t < coughed + 1.0]
    audible = [f.t for f in around if not f.silent]
    longest_pause = max((b - a for a, b in zip(audible, audible[1:])), default=0.0)
    with capsys.disabled():
        print(f"\ncough over the agent: longest pause in its audio {longest_pause * 1000:.0f} ms")
    assert longest_pause < 0.8
    assert audible_after > 2.0, "the reply went on after the cough"
    assert _count(metrics.BARGE_INS) == barge_ins
    assert not any(e.role == Role.SYSTEM and "interrupted" in e.text for e in snapshot.transcript)


async def test_a_caller_who_goes_on_after_a_pause_is_not_talked_over_and_answered_as_one(
    system, voice, temporal_client, monkeypatch
) -> None:
    """"Потрібні зимові шини… [0.8 s] …двісті п'ять п'ятдесят п'ять ер шістнадцять": the pause
    ends a turn, but the caller goes on before the reply (slowed here) begins. The agent says
    nothing over them, no filler, and the reply that follows answers the whole sentence."""
    first_half, second_half = "Потрібні зимові шини.", "Двісті п'ять п'ятдесят п'ять ер шістнадцять."
    continuations, fillers = _count(metrics.CONTINUATIONS), _count(metrics.FILLERS)
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        _slow_tts(system, monkeypatch, 1.5)
        for text in (first_half, second_half):
            await edge.post(f"/sim/calls/{leg.call_id}/utterances", json={"text": text})
        paused = await leg.send_audio(await voice.say(first_half, leg.rate))
        await asyncio.sleep(0.8)  # longer than the open end-of-turn silence (400 ms)
        finished = await leg.send_audio(await voice.say(second_half, leg.rate))
        assert leg.first_audio_after(paused) is None or leg.first_audio_after(paused) > finished, (
            "the agent spoke while the caller was still talking"
        )
        await leg.wait_for_agent_audio(after=finished, timeout=15)
        await leg.wait_agent_quiet(800, timeout=60, after=finished)
        snapshot = await _snapshot(temporal_client, leg.call_id)
    assert _count(metrics.CONTINUATIONS) == continuations + 1
    # No filler over the caller (the audio check above); the merged turn's slowed reply has its own.
    assert _count(metrics.FILLERS) - fillers == 1
    assert [e.text for e in snapshot.transcript if e.role == Role.CALLER] == [first_half, second_half]
    assert any("answered as one" in e.text for e in snapshot.transcript if e.role == Role.SYSTEM), [
        (e.role.value, e.turn_id, e.text[:60]) for e in snapshot.transcript]
    searches = [c for e in snapshot.transcript if e.turn_id == 2 for c in e.tool_calls if c.name == "search_tires"]
    assert searches, "the whole sentence was answered: a search by size"
    assert (searches[-1].arguments.get("width"), searches[-1].arguments.get("season")) == (205, "winter"), searches


async def test_speech_that_began_with_the_reply_continues_the_turn(system, voice, temporal_client) -> None:
    """Offline the reply starts within ~50 ms of the endpoint, so a caller who pauses and goes on
    hears its first sound. Speech that began within 300 ms of it is no reaction to it: the reply
    stops, and the agent answers the whole sentence."""
    first_half, second_half = "Потрібні зимові шини.", "Двісті п'ять п'ятдесят п'ять ер шістнадцять."
    continuations, barge_ins = _count(metrics.CONTINUATIONS), _count(metrics.BARGE_INS)
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        for text in (first_half, second_half):
            await edge.post(f"/sim/calls/{leg.call_id}/utterances", json={"text": text})
        paused = await leg.send_audio(await voice.say(first_half, leg.rate))
        reply_began = await leg.wait_for_agent_audio(after=paused, timeout=10)
        finished = await leg.send_audio(await voice.say(second_half, leg.rate))  # at once
        blip_ended = leg.last_audio_between(reply_began, finished)
        await leg.wait_for_agent_audio(after=finished, timeout=15)
        await leg.wait_agent_quiet(800, timeout=60, after=finished)
        snapshot = await _snapshot(temporal_client, leg.call_id)
    assert _count(metrics.CONTINUATIONS) == continuations + 1
    assert _count(metrics.BARGE_INS) == barge_ins, "not counted as an interruption"
    assert blip_ended is not None and blip_ended - reply_began < 0.6, "the first reply stopped at once"
    assert any("answered as one" in e.text for e in snapshot.transcript if e.role == Role.SYSTEM)
    searches = [c for e in snapshot.transcript if e.turn_id == 2 for c in e.tool_calls if c.name == "search_tires"]
    assert searches and searches[-1].arguments.get("width") == 205, searches


async def test_a_held_reply_is_said_after_all_when_no_words_follow(
    system, voice, temporal_client, monkeypatch
) -> None:
    """The caller seems to go on (a mumble the recognizer makes nothing of): the reply held back
    for a continuation is said once that sound ends, and the call goes on from turn 1."""
    continuations = _count(metrics.CONTINUATIONS)
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        _slow_tts(system, monkeypatch, 1.5)
        await edge.post(f"/sim/calls/{leg.call_id}/utterances", json={"text": "Потрібні зимові шини."})
        paused = await leg.send_audio(await voice.say("Потрібні зимові шини.", leg.rate))
        await asyncio.sleep(0.8)
        mumbled = await leg.send_audio(await voice.say("Е-е, ну.", leg.rate))  # no words for the recognizer
        first = await leg.wait_for_agent_audio(after=paused, timeout=15)
        await leg.wait_agent_quiet(800, timeout=60, after=mumbled)
        audible = sum(f.duration_s for f in leg.received if f.t > mumbled and not f.silent)
        snapshot = await _snapshot(temporal_client, leg.call_id)
    assert _count(metrics.CONTINUATIONS) == continuations + 1
    assert first > mumbled, "nothing over the caller"
    assert audible > 2.0, "the held reply was said"
    assert [e.text for e in snapshot.transcript if e.role == Role.CALLER] == ["Потрібні зимові шини."]


async def test_a_turn_that_stops_on_a_preposition_waits_for_the_rest(system, voice, temporal_client) -> None:
    """"Мені потрібні шини для… [0.8 s] …Тойоти Камрі": the pause ends an utterance, but a
    sentence does not end on "для", so the edge waits a moment and the two go as one turn."""
    first_half, second_half = "Мені потрібні шини для", "Тойоти Камрі двадцятого року."
    joined, continuations = _count(metrics.TURNS_JOINED), _count(metrics.CONTINUATIONS)
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        for text in (first_half, second_half):
            await edge.post(f"/sim/calls/{leg.call_id}/utterances", json={"text": text})
        paused = await leg.send_audio(await voice.say(first_half, leg.rate))
        await asyncio.sleep(0.8)
        finished = await leg.send_audio(await voice.say(second_half, leg.rate))
        await leg.wait_for_agent_audio(after=finished, timeout=15)
        await leg.wait_agent_quiet(800, timeout=60, after=finished)
        snapshot = await _snapshot(temporal_client, leg.call_id)
    assert leg.first_audio_after(paused) > finished, "the agent spoke into the pause"
    assert _count(metrics.TURNS_JOINED) == joined + 1, "the pause did end an utterance"
    assert _count(metrics.CONTINUATIONS) == continuations
    assert [e.text for e in snapshot.transcript if e.role == Role.CALLER] == [f"{first_half} {second_half}"]
    tools = [c.name for e in snapshot.transcript for c in e.tool_calls]
    assert "vehicle_fitment" in tools, tools


# --- filler, no input, call length -------------------------------------------------------------------


async def test_a_slow_turn_gets_exactly_one_filler(system, voice, monkeypatch) -> None:
    """TTS takes 2 s to start each of the first sentences: one "Хвилинку, перевіряю.", not more."""
    fillers = _count(metrics.FILLERS)
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        _slow_tts(system, monkeypatch, 2.0, sentences=2)
        asked = await _say(leg, edge, voice, ASK_WINTER)
        first = await leg.wait_for_agent_audio(after=asked, timeout=10)
        await leg.wait_agent_quiet(1500, timeout=60, after=asked)
        filler_heard = _times_heard(system, leg, Phrase.CHECKING)
    end_silence_s = system.settings.end_of_turn_silence_ms / 1000
    assert first - asked < end_silence_s + system.settings.filler_after_ms / 1000 + 0.8
    assert filler_heard == 1
    assert _count(metrics.FILLERS) == fillers + 1


async def test_a_very_slow_turn_hears_a_word_every_few_seconds_until_the_answer(system, voice, monkeypatch) -> None:
    """Still nothing of the reply well after the filler (Claude retrying, a slow engine): the
    caller hears "Ще секунду, будь ласка." and "Дякую за терпіння, ще мить." in turn instead of
    seconds of silence, then the answer."""
    monkeypatch.setattr(system.edge.ctx.settings, "filler_again_after_ms", 1500)
    monkeypatch.setattr(session_module, "TTS_CHUNK_TIMEOUT_S", 10.0)  # slow, not failed
    fillers = _count(metrics.FILLERS)
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        _slow_tts(system, monkeypatch, 7.0, sentences=1)
        asked = await _say(leg, edge, voice, ASK_WINTER)
        answer = await leg.wait_for_agent_audio(after=asked + 7.0, timeout=15)  # the answer, after all
        await leg.wait_agent_quiet(1500, timeout=60, after=asked)
        heard = [_times_heard(system, leg, p) for p in (Phrase.CHECKING, Phrase.STILL_CHECKING,
                                                         Phrase.STILL_WAITING, Phrase.APOLOGY)]
        first = leg.first_audio_after(asked)
        gaps = _silences(leg, first, answer)
    assert heard[0] == 1 and heard[1] >= 1 and heard[2] >= 1 and heard[3] == 0
    assert _count(metrics.FILLERS) == fillers + sum(heard[:3])
    assert max(gaps) < 1.5 + 0.5  # never longer than filler_again_after_ms without a word


async def test_a_reply_that_stops_after_its_first_words_is_not_left_in_silence(system, voice, monkeypatch) -> None:
    """The reply's first sentence is said, then its next words take 5 s (a model call after a
    tool call that hangs, a slow store): the caller hears "Ще секунду, будь ласка." in the
    pause, not seconds of silence, and not "Хвилинку, перевіряю." (the answer has begun)."""
    monkeypatch.setattr(system.edge.ctx.settings, "filler_again_after_ms", 1500)
    fillers = _count(metrics.FILLERS)
    sentences: list[str] = []
    speak = session_module.CallSession.speak

    async def second_sentence_late(self, text: str) -> None:
        sentences.append(text)
        if len(sentences) == 2:
            await asyncio.sleep(5.0)
        await speak(self, text)

    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        monkeypatch.setattr(session_module.CallSession, "speak", second_sentence_late)
        asked = await _say(leg, edge, voice, ASK_WINTER)
        first = await leg.wait_for_agent_audio(after=asked, timeout=10)
        await leg.wait_agent_quiet(2500, timeout=60, after=asked)
        heard = [_times_heard(system, leg, p) for p in (Phrase.CHECKING, Phrase.STILL_CHECKING,
                                                         Phrase.STILL_WAITING)]
        gaps = _silences(leg, first, time.monotonic())
    assert len(sentences) >= 3  # the reply went on after the pause
    assert heard[0] == 0 and heard[1] >= 1
    assert _count(metrics.FILLERS) == fillers + sum(heard)
    assert max(gaps) < 1.5 + 0.5  # never longer than filler_again_after_ms without a word


def _silences(leg: AsteriskLeg, start: float, end: float) -> list[float]:
    """The gaps between agent audio frames in ``[start, end]`` (s)."""
    times = [f.t for f in leg.received if not f.silent and start <= f.t <= end]
    return [b - a - 0.02 for a, b in zip(times, times[1:])] or [0.0]


async def test_silence_gets_a_reprompt_then_a_goodbye_and_a_hangup(system, voice, monkeypatch) -> None:
    monkeypatch.setattr(system.edge.ctx.settings, "no_input_reprompt_s", 1.5)
    monkeypatch.setattr(system.edge.ctx.settings, "no_input_max_reprompts", 1)
    reprompts = _count(metrics.REPROMPTS)
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        await asyncio.wait_for(leg.remote_closed.wait(), 30)
        reprompt, goodbye = _times_heard(system, leg, Phrase.REPROMPT), _times_heard(system, leg, Phrase.NO_INPUT_GOODBYE)
        disposition = (await edge.get(f"/calls/{leg.call_id}/disposition")).json()
    assert (reprompt, goodbye) == (1, 1)
    assert _count(metrics.REPROMPTS) == reprompts + 1
    assert leg.remote_hangup.is_set(), "the edge hung up with a 0x00 frame"
    assert disposition["action"] == "hangup"
    assert await _hangup_reason(system, leg.call_id) == "no_input"


async def test_a_call_at_its_maximum_length_is_closed_politely(system, voice, monkeypatch) -> None:
    """A tiny maximum, reached while the caller is silent: the closing phrase, then the edge hangs up."""
    monkeypatch.setattr(system.edge.ctx.settings, "max_call_seconds", 13)
    # The no-input reprompt would otherwise speak first (greeting + 7 s) and be taken for the closing.
    monkeypatch.setattr(system.edge.ctx.settings, "no_input_reprompt_s", 60.0)
    async with _call(system) as (leg, edge):
        dialled = time.monotonic()
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        closing_began = await leg.wait_for_agent_audio(timeout=15)
        await asyncio.wait_for(leg.remote_closed.wait(), 20)
        closing = _times_heard(system, leg, Phrase.MAX_DURATION)
    assert closing == 1
    assert 12.5 < closing_began - dialled < 15.0
    assert await _hangup_reason(system, leg.call_id) == "max_duration"


# --- DTMF --------------------------------------------------------------------------------------------


async def _turn_updates(temporal_client, call_id: str) -> list[dict]:
    """The CallerTurn payloads the workflow accepted, from its history."""
    turns = []
    async for event in temporal_client.get_workflow_handle(call_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            if request.input.name == "caller_turn":
                turns.append(json.loads(request.input.args.payloads[0].data))
    return turns


async def test_keys_until_hash_become_one_turn_with_the_keys(system, voice, temporal_client) -> None:
    report = await run_call(system.settings, CallScript.load("dtmf"), voice=voice, out=None)
    assert report.problems == []
    turns = await _turn_updates(temporal_client, report.call_id)
    assert [(t["text"], t.get("dtmf")) for t in turns][1] == ("345678", "345678#")
    assert turns[0].get("dtmf") is None and turns[2].get("dtmf") is None


async def test_keys_without_hash_are_sent_after_a_pause_and_yes_is_one_key(
    system, voice, temporal_client, monkeypatch
) -> None:
    monkeypatch.setattr(system.edge.ctx.settings, "dtmf_digit_timeout_s", 1.0)
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        for key in "42":
            leg.send_dtmf(key)
            await asyncio.sleep(0.2)
        await leg.wait_for_agent_audio(after=time.monotonic(), timeout=10)
        await leg.wait_agent_quiet(800, timeout=30)
        # The agent asked a yes/no question (set here; the workflow decides it in real calls).
        system.edge.ctx.registry.sessions[leg.call_id]._set_expect(ExpectedReply.YES_NO)
        pressed = time.monotonic()
        leg.send_dtmf("1")
        answer = await leg.wait_for_agent_audio(after=pressed, timeout=10)
    turns = await _turn_updates(temporal_client, leg.call_id)
    assert [(t["text"], t["dtmf"]) for t in turns] == [("42", "42"), ("1", "1")]
    assert answer - pressed < 2.0, "one key is a whole turn: no waiting for more"


# --- degraded paths ----------------------------------------------------------------------------------


async def test_engine_failure_with_no_operators_promises_a_callback(system, voice, monkeypatch, temporal_client) -> None:
    """TTS breaks mid-call out of hours: an apology within 2 s, the callback phrase, disposition callback."""

    async def broken(text: str):
        raise RuntimeError("TTS engine crashed")
        yield b""  # pragma: no cover - an async generator like the real one

    monkeypatch.setattr(system.edge.ctx.settings, "operators_available", False)
    degraded = metrics.DEGRADED.labels(reason="tts")._value.get()
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        monkeypatch.setattr(system.edge.ctx.tts, "synthesize", broken)
        asked = await _say(leg, edge, voice, ASK_WINTER)
        first = await leg.wait_for_agent_audio(after=asked, timeout=10)
        await asyncio.wait_for(leg.remote_closed.wait(), 20)
        apology, callback = _times_heard(system, leg, Phrase.APOLOGY), _times_heard(system, leg, Phrase.CALLBACK)
        transfer = _times_heard(system, leg, Phrase.TRANSFER)
        answer = (await edge.get(f"/calls/{leg.call_id}/disposition")).json()
        line = (await edge.get(f"/calls/{leg.call_id}/disposition", params={"format": "dialplan"})).text
    assert first - asked < 2.0, "the apology comes within 2 s"
    assert (apology, callback, transfer) == (1, 1, 0)
    assert answer["action"] == "callback"
    assert line.split(",")[0] == "callback", "the dialplan hangs up politely"
    assert metrics.DEGRADED.labels(reason="tts")._value.get() == degraded + 1
    # the promise is kept: the call is recorded as a callback and a person gets the task
    handle = temporal_client.get_workflow_handle(leg.call_id, result_type=CallSnapshot)
    snapshot = await asyncio.wait_for(handle.result(), 30)
    assert snapshot.outcome == CallOutcome.CALLBACK
    task = await system.pool.fetchrow("SELECT kind, status FROM callcenter.ops_tasks WHERE call_id = $1", leg.call_id)
    assert (task["kind"], task["status"]) == ("callback", "open")


async def test_recognizer_failure_with_no_operators_keeps_the_callback_promise(
    system, voice, monkeypatch, temporal_client
) -> None:
    """The edge itself degrades (no final transcript) out of hours: the caller is promised a
    callback, so the call must end as one and the back office must get the task."""

    async def broken(self, speech_end_at: float):
        raise RuntimeError("recognizer gone")

    monkeypatch.setattr(system.edge.ctx.settings, "operators_available", False)
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        monkeypatch.setattr("media_edge.stt.simulated_stt.SimulatedStream.finalize", broken)
        await _say(leg, edge, voice, ASK_WINTER)
        await asyncio.wait_for(leg.remote_closed.wait(), 20)
        apology, callback = _times_heard(system, leg, Phrase.APOLOGY), _times_heard(system, leg, Phrase.CALLBACK)
        answer = (await edge.get(f"/calls/{leg.call_id}/disposition")).json()
    assert (apology, callback) == (1, 1)
    assert answer["action"] == "callback"
    handle = temporal_client.get_workflow_handle(leg.call_id, result_type=CallSnapshot)
    snapshot = await asyncio.wait_for(handle.result(), 30)
    assert snapshot.outcome == CallOutcome.CALLBACK
    task = await system.pool.fetchrow("SELECT kind, status FROM callcenter.ops_tasks WHERE call_id = $1", leg.call_id)
    assert task is not None and (task["kind"], task["status"]) == ("callback", "open")


async def test_temporal_gone_mid_call_gets_a_word_at_once_then_an_apology_and_an_operator(system, voice, monkeypatch) -> None:
    """The turn's update gets no answer and Temporal fails its health check and stays away: the
    caller hears something ("one moment") within about a second and a half of the end of their
    turn, and, once the outage outlasts its grace (temporal_outage_grace_s), the apology and the
    operator, not silence until the 12 s limit."""
    from temporalio.service import RPCError, RPCStatusCode

    async def no_answer(handle, turn):
        await asyncio.Event().wait()

    async def unreachable(**kwargs):
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")

    degraded = metrics.DEGRADED.labels(reason="temporal")._value.get()
    async with _call(system) as (leg, edge):
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        monkeypatch.setattr("media_edge.session.send_turn", no_answer)
        monkeypatch.setattr(system.edge.ctx.temporal.service_client, "check_health", unreachable)
        asked = await _say(leg, edge, voice, ASK_WINTER)
        first = await leg.wait_for_agent_audio(after=asked, timeout=10)
        await asyncio.wait_for(leg.remote_closed.wait(), 20)
        apology, transfer = _times_heard(system, leg, Phrase.APOLOGY), _times_heard(system, leg, Phrase.TRANSFER)
        answer = (await edge.get(f"/calls/{leg.call_id}/disposition")).json()
    assert first - asked < 2.5, f"apology {first - asked:.2f} s after the caller's turn"
    assert (apology, transfer) == (1, 1)
    assert answer["action"] == "transfer"
    assert metrics.DEGRADED.labels(reason="temporal")._value.get() == degraded + 1


def test_operator_hours_are_read_in_kyiv_time(monkeypatch) -> None:
    from datetime import UTC, datetime

    from callcenter.settings import Settings
    from media_edge.session import operators_available

    settings = Settings(operators_available_hours="09:00-20:00")
    assert operators_available(settings, datetime(2026, 1, 5, 7, 30, tzinfo=UTC))  # 09:30 in Kyiv (UTC+2)
    assert not operators_available(settings, datetime(2026, 1, 5, 18, 30, tzinfo=UTC))  # 20:30
    assert not operators_available(settings.model_copy(update={"operators_available": False}), datetime.now(UTC))
    assert operators_available(Settings(), datetime(2026, 1, 5, 3, 0, tzinfo=UTC)), "no hours: always"


# --- line noise, metrics -----------------------------------------------------------------------------


async def test_line_noise_makes_no_false_turns(system, voice) -> None:
    # mains hum is the harder of the two for the VAD; white noise is covered in test_endpointing
    kind = "hum"
    barge_ins = _count(metrics.BARGE_INS)
    script = CallScript.load("winter_tires")
    report = await run_call(system.settings, script, voice=voice, out=None, noise=LineNoise(15.0, kind))
    assert report.problems == []
    assert sum(1 for e in report.snapshot.transcript if e.role == Role.CALLER) == len(script.lines)
    assert _count(metrics.BARGE_INS) == barge_ins, "noise never cut the agent off"


async def test_edge_metrics_are_exposed(system) -> None:
    async with httpx.AsyncClient(base_url=system.settings.edge_url) as edge:
        text = (await edge.get("/metrics")).text
    for name in (
        "edge_active_calls", "edge_frames_in_total", "edge_frames_out_total", "edge_playout_underruns_total",
        "edge_playout_jitter_seconds_bucket", "edge_barge_ins_total", "edge_barge_in_stop_seconds_bucket",
        "edge_stt_final_seconds_bucket", "edge_tts_first_audio_seconds_bucket",
        "edge_turn_first_audio_seconds_bucket", "edge_fillers_total", "edge_reprompts_total", "edge_dtmf_total",
    ):
        assert f"\n{name}" in text, name
    assert "# TYPE edge_degraded_total counter" in text
    assert _count(metrics.FRAMES_OUT) > 0
