"""`callcenter prompts`: the Ukrainian prompts the dialplan plays, made with the project's own TTS.

``asterisk/extensions.conf`` plays ``tireshop/<name>`` with ``CHANNEL(language)=uk``, so Asterisk
looks for ``sounds/uk/tireshop/<name>.<ext>`` and picks, among the formats present, the one that is
cheapest to translate to the channel's format (main/file.c ``ast_openstream_full`` /
``fileexists_core``). Every prompt is written three ways, none of which needs a transcoder for the
call legs we have:

- ``<name>.sln16``: raw signed linear, 16 kHz, 16-bit little-endian mono (format ``slin16``);
- ``<name>.sln``: raw signed linear at 8 kHz (format ``slin``);
- ``<name>.wav``: RIFF/WAVE PCM, 8 kHz, 16-bit mono (format_wav.c accepts only 8 kHz for ``.wav``;
  16 kHz WAV is ``.wav16``).

The speech comes from the engine the edge itself uses (``media_edge.engines.make_tts``): espeak-ng
offline by default, Google Text-to-Speech with ``CALLCENTER_TTS_ENGINE=google``.
"""

from __future__ import annotations

import asyncio
import wave
from dataclasses import dataclass
from pathlib import Path

from callcenter.settings import Settings
from media_edge.audio.resample import resample
from media_edge.engines import make_tts

# Every prompt extensions.conf plays (tests/test_dialplan.py checks that the two lists agree).
PROMPTS: dict[str, str] = {
    "operator-fallback": "Зачекайте, будь ласка, з'єдную вас з оператором.",
    "operators-busy": "Вибачте, усі оператори зараз зайняті. Ми передзвонимо вам найближчим часом.",
}

DEFAULT_OUTPUT = Path(".data") / "prompts" / "uk" / "tireshop"
_LEAD_SILENCE_MS = 150  # a short breath before the words: the first RTP packets are often lost


@dataclass(frozen=True)
class WrittenPrompt:
    name: str
    files: tuple[Path, ...]
    seconds: float


def _pcm16(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    out = resample(pcm, from_rate, to_rate) if from_rate != to_rate else pcm
    return out[: len(out) - len(out) % 2]


async def make_prompts(settings: Settings, output: Path) -> list[WrittenPrompt]:
    """Synthesise every prompt and write .sln16, .sln and 8 kHz .wav files into ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    engine = make_tts(settings)
    await engine.warm_up()
    written = []
    for name, text in PROMPTS.items():
        pcm = await engine.synthesize_all(text)
        if not pcm:
            raise RuntimeError(f"the {engine.name} TTS engine gave no audio for {name!r}")
        rate = engine.sample_rate
        pcm16k = bytes(2 * 16 * _LEAD_SILENCE_MS) + _pcm16(pcm, rate, 16000)
        pcm8k = _pcm16(pcm16k, 16000, 8000)
        sln16, sln, wav = (output / f"{name}{ext}" for ext in (".sln16", ".sln", ".wav"))
        sln16.write_bytes(pcm16k)
        sln.write_bytes(pcm8k)
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(pcm8k)
        written.append(WrittenPrompt(name, (sln16, sln, wav), len(pcm16k) / 32000))
    return written


def run(settings: Settings, output: Path | None) -> int:
    target = output or DEFAULT_OUTPUT
    for prompt in asyncio.run(make_prompts(settings, target)):
        print(f"{prompt.name}: {prompt.seconds:.1f} s -> " + ", ".join(str(p) for p in prompt.files))
    print(f"engine: {settings.tts_engine}; put {target} at /var/lib/asterisk/sounds/uk/tireshop")
    return 0
