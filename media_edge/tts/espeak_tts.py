"""Offline Ukrainian TTS: libespeak-ng (from the ``espeakng-loader`` wheel) through ctypes.

libespeak-ng is a C library with process-wide state (one voice, one rate, one synth callback),
so every synthesis in the process runs one at a time under ``_ESPEAK_LOCK`` on a dedicated worker
thread, never on the event loop. Audio is streamed: espeak calls back every ~60 ms of audio, each
piece is resampled (22 050 Hz native -> 16 kHz by default) with a ``soxr.ResampleStream`` and
handed to the event loop with ``call_soon_threadsafe``, so the first chunk is playable long before
the sentence is finished.

Cancellation (barge-in): closing the iterator sets a flag; the synth callback then returns 1, which
makes espeak abandon the rest of the text and return, so the lock is released within one callback
(~1 ms) and the next synthesis can start. Use ``contextlib.aclosing`` when stopping early so the
close happens at once rather than whenever the generator is garbage-collected.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor

import espeakng_loader
import numpy as np
import soxr

from media_edge.tts.base_tts import TtsEngine

log = logging.getLogger(__name__)

# espeak-ng API constants (speak_lib.h).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_ESPEAK_RATE = 1
_BUFFER_MS = 60  # how much audio espeak accumulates per callback: latency vs. call overhead

_SYNTH_CB = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

# Process-wide: the library, its settings and the thread that drives it.
_ESPEAK_LOCK = threading.Lock()
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
_lib: ctypes.CDLL | None = None
_native_rate = 0
# espeak-ng's Ukrainian voice reads these quotation marks aloud as words ("лапки"): drop them.
_UNSPOKEN = str.maketrans("", "", "«»\"“”„")
_current_voice: str | None = None
init_ms: float | None = None  # measured once, for start-up logs and benchmarks

_WS = re.compile(r"\s+")


_SIZE_SLASH = re.compile(r"(\d)/(\d)")


def normalize_text(text: str) -> str:
    """Light clean-up: espeak reads numbers itself, but says "205/55" with a spoken slash."""
    return _SIZE_SLASH.sub(r"\1 \2", _WS.sub(" ", text)).strip()


def _ensure_initialized() -> ctypes.CDLL:
    """Load and initialise libespeak-ng once per process. Caller holds ``_ESPEAK_LOCK``."""
    global _lib, _native_rate, init_ms
    if _lib is not None:
        return _lib
    t0 = time.perf_counter()
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CB]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
        ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    ]
    data_path = espeakng_loader.get_data_path().encode()
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_path, 0)
    if rate <= 0:
        raise RuntimeError(f"espeak_Initialize failed ({rate}); data path {data_path!r}")
    _native_rate = rate
    _lib = lib
    init_ms = (time.perf_counter() - t0) * 1000.0
    log.debug("espeak-ng initialised: native %d Hz in %.1f ms", rate, init_ms)
    return lib


def _set_voice(lib: ctypes.CDLL, voice: str) -> None:
    """Caller holds the lock. Switching voice reloads data, so only do it on a change."""
    global _current_voice
    if _current_voice != voice:
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"espeak-ng has no voice {voice!r}")
        _current_voice = voice


class EspeakTts(TtsEngine):
    """Streaming espeak-ng. ``rate_wpm``: speaking rate in words per minute (espeak default 175)."""

    name = "espeak"

    def __init__(self, voice: str = "uk", rate_wpm: int = 175, sample_rate: int = 16000) -> None:
        self.voice = voice
        self.rate_wpm = rate_wpm
        self.sample_rate = sample_rate

    async def warm_up(self) -> None:
        # Initialise the library and load the voice off the event loop, before the first call.
        def _init() -> None:
            with _ESPEAK_LOCK:
                _set_voice(_ensure_initialized(), self.voice)

        await asyncio.get_running_loop().run_in_executor(_EXECUTOR, _init)

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        text = normalize_text(text)
        if not text:
            return
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        stop = threading.Event()

        def emit(item: bytes | BaseException | None) -> bool:
            # Runs on the worker thread. False tells the synth to abort.
            if stop.is_set():
                return False
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                stop.set()
                return False
            return True

        loop.run_in_executor(_EXECUTOR, self._synthesize_blocking, text, emit, stop)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            # Consumer finished, failed or went away (barge-in): make the worker drop the rest.
            stop.set()

    def _synthesize_blocking(
        self,
        text: str,
        emit: Callable[[bytes | BaseException | None], bool],
        stop: threading.Event,
    ) -> None:
        """Worker thread: one synthesis under the process-wide lock. Never raises."""
        try:
            with _ESPEAK_LOCK:
                if stop.is_set():  # cancelled while waiting for the lock
                    return
                lib = _ensure_initialized()
                _set_voice(lib, self.voice)
                lib.espeak_SetParameter(_ESPEAK_RATE, self.rate_wpm, 0)
                resampler = (
                    None
                    if _native_rate == self.sample_rate
                    else soxr.ResampleStream(_native_rate, self.sample_rate, 1, dtype="int16")
                )

                failure: list[BaseException] = []

                @_SYNTH_CB
                def on_audio(wav: ctypes._Pointer[ctypes.c_short], n: int, _events: int) -> int:
                    # Return 1 to make espeak abandon the rest: that is how a cancelled synthesis
                    # finishes its C call quickly and frees the lock.
                    if stop.is_set():
                        return 1
                    if n <= 0 or not wav:
                        return 0
                    try:
                        pcm = np.ctypeslib.as_array(wav, shape=(n,))
                        if resampler is not None:
                            pcm = resampler.resample_chunk(pcm)  # copies out of espeak's buffer
                        else:
                            pcm = pcm.copy()
                        if len(pcm) and not emit(pcm.tobytes()):
                            return 1
                    except Exception as exc:  # an exception must not unwind through C
                        failure.append(exc)
                        return 1
                    return 0

                # The callback is process-global in espeak; set it (and keep ``on_audio``
                # referenced) for exactly the duration of this Synth call.
                lib.espeak_SetSynthCallback(on_audio)
                data = text.translate(_UNSPOKEN).encode("utf-8") + b"\0"
                rc = lib.espeak_Synth(
                    data, len(data), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None
                )
                if failure:
                    raise failure[0]
                if stop.is_set():
                    return
                if rc != 0:
                    raise RuntimeError(f"espeak_Synth failed with code {rc}")
                if resampler is not None:
                    tail = resampler.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
                    if len(tail):
                        emit(tail.tobytes())
            emit(None)
        except Exception as exc:  # hand the failure to the consumer instead of losing it
            log.exception("espeak synthesis failed")
            emit(exc)
