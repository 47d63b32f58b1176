"""Configuration for every process, read from the environment (prefix ``CALLCENTER_``).

Secrets (API keys, tokens, database passwords) come only from the environment, are held as
``SecretStr`` (masked in any repr) and are never logged.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Literal
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class SttEngine(StrEnum):
    SIMULATED = "simulated"
    GOOGLE = "google"


class TtsEngine(StrEnum):
    ESPEAK = "espeak"
    GOOGLE = "google"


class SmsEngine(StrEnum):
    OUTBOX = "outbox"  # development: the outbox table in PostgreSQL is the message
    HTTP = "http"  # a JSON HTTP SMS provider


class LlmEngine(StrEnum):
    RULES = "rules"
    CLAUDE = "claude"


class VadEngine(StrEnum):
    WEBRTC = "webrtc"
    SILERO = "silero"


class Settings(BaseSettings):
    """Every setting with its default; the README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(env_prefix="CALLCENTER_", extra="ignore")

    # Where the embedded dev stack keeps its data, logs and pid files (git-ignored).
    data_dir: Path = REPO_ROOT / ".data"

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    temporal_ui_url: str = "http://localhost:8233"
    calls_task_queue: str = "calls"
    # A TLS cluster or Temporal Cloud: mTLS (client certificate + key files, optional CA and server
    # name) and/or an API key (a secret: environment only). Any of them turns TLS on.
    temporal_tls: bool = False
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_tls_server_name: str | None = None
    temporal_api_key: SecretStr | None = None

    # PostgreSQL: DATABASE_URL (no prefix) wins; otherwise the embedded server on pg_port.
    # Call records live in schema "callcenter", the reference store in schema "store".
    database_url_env: SecretStr | None = Field(default=None, validation_alias="DATABASE_URL")
    pg_port: int = 55432
    pg_database: str = "callcenter"
    # The reference store may use its own database; by default it shares the one above.
    store_database_url_env: SecretStr | None = Field(
        default=None, validation_alias="CALLCENTER_STORE_DATABASE_URL"
    )

    # Reference store (the shop's Store API)
    store_host: str = "127.0.0.1"
    store_port: int = 8081
    store_url: str = "http://127.0.0.1:8081"
    store_timeout_s: float = 2.0
    # A read tool whose store request fails (timeout, no connection, 5xx) tries again until this
    # much time is spent, each try within store_timeout_s; the edge's fillers cover the wait. Keep
    # it well inside the agent step's deadline (claude_step_timeout_s, the step's 10 s).
    store_read_budget_s: float = Field(default=4.0, gt=0)
    store_read_hedge_after_s: float = 0.5  # a store read with no answer by then gets a twin (0: never)

    # Media edge
    edge_id: str = "local"
    edge_host: str = "127.0.0.1"
    audiosocket_port: int = 9092
    # Asterisk sends a frame every 20 ms, silence too: a leg with no frame this long is dead (a
    # crashed or cut-off peer) and the edge ends its call (hangup reason "no_audio"). 0: never
    # (a trunk that suppresses silence, so that Asterisk stops sending frames)
    audiosocket_idle_timeout_s: float = Field(default=5.0, ge=0)
    # Calls this edge takes at once; the next leg is handed straight to the operators' queue
    # (disposition "transfer", edge_calls_total{end="edge_full"}) instead of slowing every call
    # on the edge. docs/performance.md has what one edge carries on two cores.
    edge_max_calls: int = Field(default=250, ge=1)
    # Agent audio is written by one pacer thread for all calls, so a busy event loop does not
    # make frames late (media_edge/audiosocket/pacer.py); false: on the event loop's timers.
    playout_thread: bool = True
    # The pacer thread's scheduling: "realtime" (SCHED_FIFO, as Asterisk's -p; needs
    # CAP_SYS_NICE, else it falls back to "raised" and logs a warning), "raised" (nice -10) or
    # "normal". With every core busy, an ordinary thread wakes milliseconds late.
    playout_priority: Literal["realtime", "raised", "normal"] = "realtime"
    edge_http_port: int = 8080
    edge_url: str = "http://127.0.0.1:8080"

    # SMS confirmations (sent by the worker after an order or booking)
    sms_engine: SmsEngine = SmsEngine.OUTBOX
    sms_http_url: str = ""
    sms_http_token: SecretStr | None = None
    sms_sender: str = "Koleso"
    # Store writes run after the caller said yes, in retried activities: more patience than reads.
    store_write_timeout_s: float = 10.0

    # Worker metrics
    worker_metrics_port: int = 8091
    # The Temporal SDK's own Prometheus exporter (schedule-to-start latencies, task failures, …),
    # host:port. Port 0: a free loopback port, served through the worker's /metrics; empty: off.
    temporal_sdk_metrics_address: str = "127.0.0.1:0"

    # Engines
    stt_engine: SttEngine = SttEngine.SIMULATED
    tts_engine: TtsEngine = TtsEngine.ESPEAK
    llm_engine: LlmEngine = LlmEngine.RULES
    espeak_rate_wpm: int = Field(default=175, ge=80, le=450)  # the offline voice's speaking rate, words/min
    # Simulated engine latency, for the load bench: the offline engines wait as a cloud one would,
    # so our own overhead can be told apart from the engines'. 0 = as fast as they are.
    sim_stt_final_ms: float = Field(default=0, ge=0)  # simulated STT: end of turn → final transcript
    sim_llm_first_token_ms: float = Field(default=0, ge=0)  # rules brain: step start → first token
    sim_llm_tokens_per_s: float = Field(default=0, ge=0)  # rules brain: then this many tokens/s (0: no limit)
    sim_tts_first_audio_ms: float = Field(default=0, ge=0)  # espeak: request → first audio chunk

    # Google Cloud speech engines (stt_engine / tts_engine "google"); see docs/engines-google.md.
    # Credentials come from GOOGLE_APPLICATION_CREDENTIALS / application-default credentials.
    google_project: str | None = None  # None: the project of the default credentials
    google_stt_region: str = "eu"  # chirp_3 serves uk-UA in "eu"/"us"; endpoint {region}-speech...
    google_stt_model: str = "chirp_3"
    google_stt_stream_max_s: float = 270.0  # replace the stream before Google's 5-minute limit
    google_stt_final_timeout_s: float = 1.0  # finalize waits this long, then uses the interim
    google_tts_voice: str = "uk-UA-Chirp3-HD-Aoede"
    google_tts_streaming: bool = True  # False: SynthesizeSpeech (voices that cannot stream)

    # Anthropic Claude (llm_engine "claude"): the whole step fits the agent step's 10 s start-to-close.
    # No prefix; the Claude brain is registered only when it is set (secret).
    anthropic_api_key: SecretStr | None = Field(default=None, validation_alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = None  # a proxy, or a local fake in tests
    claude_model: str = "claude-haiku-5-5"  # the latency model: no temperature/top_p/top_k, no prefill
    claude_max_tokens: int = 400  # a spoken reply is a few sentences
    claude_first_token_timeout_s: float = 2.5  # no first text/tool event by then: cancel, retry
    claude_stall_timeout_s: float = 2.0  # then no further stream event for this long: the same
    claude_max_retries: int = 2  # our own retries (429/529/5xx/first token, a stall: continued); the SDK's are off
    claude_hedge_after_s: float = 1.2  # no first text/tool event by then: a second request races it (0: off)
    claude_step_timeout_s: float = 8.0  # the whole step, every model call and tool round

    # Speech loop. End of a caller turn = this much silence after speech, chosen per turn by what
    # the agent asked (workflows.models.ExpectedReply); see media_edge/audio/turn/endpointer.py.
    # silero: fewer cut-offs in noise, but ~20x the CPU and ~130 ms later endpoints (bench.endpointing)
    vad_engine: VadEngine = VadEngine.WEBRTC
    end_of_turn_silence_ms: int = 400  # an open answer
    end_of_turn_yes_no_ms: int = 250  # a short answer to a yes/no question
    end_of_turn_digits_ms: int = 900  # a number dictated in groups
    end_of_turn_hesitation_ms: int = 700  # open answer still short, or trailing off mid-sentence
    end_of_turn_short_speech_ms: int = 600  # speech shorter than this gets the hesitation silence
    speech_onset_ms: int = 150  # speech needed to start a turn or barge in (a cough or click does not)
    max_call_seconds: int = 900
    max_call_warning_s: float = 30.0  # "half a minute left" this long before the limit; 0: no warning
    unfinished_turn_wait_ms: int = 700  # a turn ending on "для", "і", "ну" waits this long for more words
    barge_in_min_speech_ms: int = 200  # the caller's speech over the agent must last this long to interrupt
    filler_after_ms: int = 1200  # a turn with no agent audio this long gets one "Хвилинку, перевіряю."
    filler_again_after_ms: int = 2000  # then, the line quiet this long while the turn is not over: "Ще секунду"
    # Temporal unreachable mid-turn (a restart): the turn waits this long for it to come back
    # (then it is sent again and answered), after the filler; then an apology and an operator.
    temporal_outage_grace_s: float = Field(default=5.0, ge=0)
    no_input_reprompt_s: float = 7.0  # caller silence while listening → "Ви мене чуєте? ..."
    no_input_max_reprompts: int = 2  # reprompts before a goodbye and hangup (reason "no_input")
    dtmf_digit_timeout_s: float = 5.0  # keys without '#' become a turn after this pause
    operators_available: bool | None = None  # force operators on or off; None: by the hours below
    operators_available_hours: str = ""  # e.g. "09:00-20:00": transfers reach a person then, else a callback; "": always
    operators_timezone: str = "Europe/Kyiv"

    # Ops endpoints (the edge's /metrics stays open for Prometheus; ops views need this token)
    ops_token: SecretStr | None = None
    ops_timezone: str = "Europe/Kyiv"  # the ops analytics' day boundaries (IANA zone name)

    @property
    def edge_task_queue(self) -> str:
        """The edge's own task queue: the agent step runs in the process that holds the audio."""
        return f"edge-{self.edge_id}"

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.database_url_env is None

    @property
    def database_url(self) -> str:
        if self.database_url_env is not None:
            return self.database_url_env.get_secret_value()
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/{self.pg_database}"

    @property
    def store_database_url(self) -> str:
        if self.store_database_url_env is not None:
            return self.store_database_url_env.get_secret_value()
        return self.database_url


class SettingsError(ValueError):
    """A setting the environment got wrong, named as the environment spells it (one line)."""


ENV_PREFIX = "CALLCENTER_"


def known_variables() -> dict[str, str]:
    """Environment variable → field name, for every setting."""
    out: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        out[alias if isinstance(alias, str) else f"{ENV_PREFIX}{name.upper()}"] = name
    return out


def check_environment(environ: dict[str, str] | None = None) -> None:
    """A ``CALLCENTER_`` variable that is no setting is a typo: say which, and the closest real one."""
    import difflib
    import os

    env = os.environ if environ is None else environ
    known = known_variables()
    for var in sorted(env):
        if var.upper().startswith(ENV_PREFIX) and var.upper() not in known:
            close = difflib.get_close_matches(var.upper(), list(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else "; see docs/configuration.md"
            raise SettingsError(f"unknown setting {var}{hint}")


def load_settings() -> Settings:
    """``Settings()`` with errors that name the environment variable, not pydantic's field."""
    from pydantic import ValidationError

    check_environment()
    try:
        return Settings()
    except ValidationError as err:
        by_field = {field: var for var, field in known_variables().items()}
        problems = []
        for e in err.errors():
            field = str(e["loc"][0]) if e["loc"] else ""
            var = by_field.get(field, field.upper())
            secret = field in Settings.model_fields and "SecretStr" in str(Settings.model_fields[field].annotation)
            problems.append(f"{var}{'' if secret else '=' + repr(e.get('input'))}: {e['msg']}")
        raise SettingsError("bad setting " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
