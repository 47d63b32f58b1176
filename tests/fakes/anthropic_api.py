"""The fake Anthropic Messages API lives in ``chaos/fake_anthropic.py`` (the chaos scenarios use it
too); tests import it from here."""

from chaos.fake_anthropic import (  # noqa: F401 - re-exported
    MODEL,
    Answer,
    Failure,
    FakeAnthropic,
    Part,
    Pause,
    RecordedRequest,
    Reply,
    SentEvent,
    StreamError,
    ToolUse,
)
