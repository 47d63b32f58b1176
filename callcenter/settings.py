"""Configuration for every process, read from the environment (prefix ``CALLCENTER_``).

Secrets (API keys, tokens, database passwords) come only from the environment, are held as
``SecretStr`` (masked in any repr) and are never logged.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class SttEngine(StrEnum):
    SIMULATED = "simulated"


class TtsEngine(StrEnum):
    ESPEAK = "espeak"


class LlmEngine(StrEnum):
    RULES = "rules"


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

    # Media edge
    edge_id: str = "local"
    edge_host: str = "127.0.0.1"
    audiosocket_port: int = 9092
    edge_http_port: int = 8080
    edge_url: str = "http://127.0.0.1:8080"

    # Worker metrics
    worker_metrics_port: int = 8091

    # Engines
    stt_engine: SttEngine = SttEngine.SIMULATED
    tts_engine: TtsEngine = TtsEngine.ESPEAK
    llm_engine: LlmEngine = LlmEngine.RULES

    # Speech loop
    end_of_turn_silence_ms: int = 600
    max_call_seconds: int = 900

    # Ops endpoints (the edge's /metrics stays open for Prometheus; ops views need this token)
    ops_token: SecretStr | None = None

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
