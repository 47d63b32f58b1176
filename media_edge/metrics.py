"""Prometheus metrics of the media edge, measured where things happen."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.04, 0.08, 0.12, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0, 5.0)
# Barge-in: speech onset → agent audio stopped; the target is under 200 ms.
_BARGE_IN_BUCKETS = (0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.6, 1.0)
# Playout lateness of a frame write against its 20 ms schedule.
_JITTER_BUCKETS = (0.0005, 0.001, 0.002, 0.004, 0.008, 0.012, 0.02, 0.04, 0.08)

ACTIVE_CALLS = Gauge("edge_active_calls", "Calls with an open AudioSocket leg")
CALLS = Counter("edge_calls_total", "Calls handled by the edge, by how the leg ended", ["end"])
FRAMES_IN = Counter("edge_frames_in_total", "AudioSocket audio frames received")
FRAMES_OUT = Counter("edge_frames_out_total", "AudioSocket audio frames sent (agent audio and silence)")
UNDERRUNS = Counter("edge_playout_underruns_total", "Frames due mid-reply with no audio ready")
PLAYOUT_JITTER = Histogram(
    "edge_playout_jitter_seconds",
    "Per call: 95th percentile of how late frame writes were against their 20 ms schedule",
    buckets=_JITTER_BUCKETS,
)
PROTOCOL_ERRORS = Counter("edge_protocol_errors_total", "Calls ended by malformed AudioSocket input")
DTMF = Counter("edge_dtmf_total", "DTMF keys pressed by callers")
TURNS = Counter("edge_turns_total", "Caller turns sent to the workflow")
DTMF_TURNS = Counter("edge_dtmf_turns_total", "Caller turns made of keys (DTMF) rather than speech")
BARGE_INS = Counter("edge_barge_ins_total", "Times the caller spoke over the agent and playback stopped")
BARGE_IN_STOP = Histogram(
    "edge_barge_in_stop_seconds",
    "Start of the caller's speech over the agent → agent audio stopped on the wire",
    buckets=_BARGE_IN_BUCKETS,
)
BARGE_INS_IGNORED = Counter(
    "edge_barge_ins_ignored_total", "Short sounds over the agent (cough, click, 'угу'): playback paused and resumed"
)
TURNS_JOINED = Counter(
    "edge_turns_joined_total",
    "Utterances that stopped mid-sentence ('шини для…') joined by the caller's next words before the turn was sent",
)
CONTINUATIONS = Counter(
    "edge_turn_continuations_total",
    "The caller went on talking after a pause before hearing the reply: the two utterances became one turn",
)
TRANSFERS = Counter("edge_transfers_total", "Calls handed to an operator")
STT_FINAL = Histogram(
    "edge_stt_final_seconds", "End of caller speech → final transcript", buckets=_LATENCY_BUCKETS
)
FIRST_AUDIO = Histogram(
    "edge_turn_first_audio_seconds",
    "End of caller speech → first agent audio frame sent (time to first agent audio per turn)",
    buckets=_LATENCY_BUCKETS,
)
TURN_OVERHEAD = Histogram(
    "edge_turn_overhead_seconds",
    "End of the caller's turn (endpointer fired) → first agent audio frame: our own cost",
    buckets=_LATENCY_BUCKETS,
)
WORKFLOW_UPDATE = Histogram(
    "edge_workflow_update_seconds", "Caller turn update round trip (includes the agent step)", buckets=_LATENCY_BUCKETS
)
TTS_FIRST_AUDIO = Histogram(
    "edge_tts_first_audio_seconds", "Text handed to TTS → first PCM chunk", buckets=_LATENCY_BUCKETS
)
FILLERS = Counter("edge_fillers_total", "Filler phrases played because a turn was slow to answer")
REPROMPTS = Counter("edge_reprompts_total", "'Ви мене чуєте?' after the caller stayed silent")
DEGRADED = Counter(
    "edge_degraded_total",
    "Calls that fell back to an apology and an operator (or a callback), by what failed",
    ["reason"],
)

# The known label values (media_edge/session.py, overflow.py), created at zero at start-up: a
# series born at 1 is invisible to increase(), so the first such call after a restart would not show.
CALL_ENDS = (
    "caller_hangup", "agent_hangup", "transfer", "callback", "no_input", "max_duration", "no_audio",
    "edge_full", "error",
)
DEGRADED_REASONS = ("temporal", "agent", "tts", "stt", "edge")


def init_edge_metrics() -> None:
    """Create the edge's labelled series at zero. Idempotent; called when the edge starts."""
    for end in CALL_ENDS:
        CALLS.labels(end=end)
    for reason in DEGRADED_REASONS:
        DEGRADED.labels(reason=reason)
