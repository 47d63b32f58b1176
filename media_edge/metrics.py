"""Prometheus metrics of the media edge, measured where things happen."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.04, 0.08, 0.12, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0, 5.0)

ACTIVE_CALLS = Gauge("edge_active_calls", "Calls with an open AudioSocket leg")
CALLS = Counter("edge_calls_total", "Calls handled by the edge, by how the leg ended", ["end"])
FRAMES_IN = Counter("edge_frames_in_total", "AudioSocket audio frames received")
FRAMES_OUT = Counter("edge_frames_out_total", "AudioSocket audio frames sent")
UNDERRUNS = Counter("edge_playout_underruns_total", "Frames due mid-reply with no audio ready")
PROTOCOL_ERRORS = Counter("edge_protocol_errors_total", "Calls ended by malformed AudioSocket input")
DTMF = Counter("edge_dtmf_total", "DTMF keys pressed by callers")
TURNS = Counter("edge_turns_total", "Caller turns sent to the workflow")
BARGE_INS = Counter("edge_barge_ins_total", "Times the caller spoke over the agent and playback stopped")
TRANSFERS = Counter("edge_transfers_total", "Calls handed to an operator")
FIRST_AUDIO = Histogram(
    "edge_turn_first_audio_seconds",
    "End of caller speech → first agent audio frame sent",
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
DEGRADED = Counter("edge_degraded_total", "Calls that fell back to an apology, by cause", ["cause"])
