"""Streaming sentence splitter for spoken Ukrainian: LLM text deltas in, whole sentences out.

The edge can synthesise a sentence as soon as it is complete, so the splitter hands one out the
moment its end is certain, while the model is still writing the next. It knows what a phone
agent's text looks like: prices ("3 200 грн."), places ("м. Київ", "вул. Січових Стрільців"),
decimals ("2.5"), tire sizes ("205/55 R16"), times ("10:30").
"""

from __future__ import annotations

import re

TERMINATORS = ".!?…"
# Closing marks that belong to the sentence they follow: «Так.» or (див. вище).
CLOSERS = "»\"')]”’"
# Abbreviations that come before a name or a number: never the end of a sentence.
LEADING_ABBREVIATIONS = frozenset(
    {
        "м", "вул", "просп", "пр", "пров", "бул", "пл", "буд", "б", "д", "кв", "оф", "с", "смт",
        "ім", "див", "напр", "тел", "моб", "р-н", "обл", "ст", "стор", "п", "№", "т", "тт",
    }
)
# Abbreviations that often end a phrase: a sentence ends there only if a capital follows.
TRAILING_ABBREVIATIONS = frozenset(
    {"грн", "коп", "шт", "тис", "млн", "р", "рр", "км", "кг", "хв", "год", "сек", "тижн", "т.д", "т.п", "ін"}
)
# A long sentence with no end in sight is cut at a pause mark, so the first audio is not late.
SOFT_LIMIT = 160
SOFT_MIN = 40
_SOFT_BREAK = re.compile(r"[;:](?=\s)")
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s*|^\s*[-*•]\s+|^\s*\d+\.\s+(?=\D)", re.MULTILINE)
_SPACES = re.compile(r"\s+")
_WORD_BEFORE = re.compile(r"([\w№'’-]+(?:\.[\w'’-]+)*)$")


def speakable(text: str) -> str:
    """Text as the TTS should get it: no markdown marks, list bullets or runs of whitespace."""
    return _SPACES.sub(" ", _MARKDOWN.sub("", text)).strip()


class SentenceSplitter:
    """Feed text deltas; get back every sentence whose end is now certain.

    `feed` returns finished sentences in order; `flush` returns whatever is left at the end of
    the text (or before a tool call, so the caller hears "хвилинку, перевіряю" at once).
    """

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        sentences: list[str] = []
        while True:
            cut = self._find_end(self._buffer)
            if cut is None:
                break
            sentence, self._buffer = self._buffer[:cut], self._buffer[cut:]
            self._add(sentences, sentence)
        soft = self._soft_cut(self._buffer)
        if soft is not None:
            self._add(sentences, self._buffer[:soft])
            self._buffer = self._buffer[soft:]
        return sentences

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer, ""
        sentences: list[str] = []
        self._add(sentences, rest)
        return sentences

    @staticmethod
    def _add(sentences: list[str], text: str) -> None:
        clean = speakable(text)
        if clean and any(ch.isalnum() for ch in clean):
            sentences.append(clean)

    def _find_end(self, text: str) -> int | None:
        """Index just past the first certain sentence end in `text`, or None if none is certain yet."""
        i = 0
        n = len(text)
        while i < n:
            ch = text[i]
            if ch == "\n":
                if text[:i].strip():
                    return i + 1
                i += 1
                continue
            if ch not in TERMINATORS:
                i += 1
                continue
            start = i
            while i < n and text[i] in TERMINATORS:
                i += 1
            while i < n and text[i] in CLOSERS:
                i += 1
            if i >= n:
                return None  # "2." may still become "2.5": wait for the next character
            if not text[i].isspace():
                continue  # "2.5", "т.д", "...»" inside a word
            # A space follows: is what comes next known yet?
            j = i
            while j < n and text[j].isspace() and text[j] != "\n":
                j += 1
            following = text[j] if j < n else None
            if text[start] in "!?" or text[start:i].startswith(("…", "..")):
                return i
            verdict = self._period_ends_sentence(text[:start], following)
            if verdict is None:
                return None
            if verdict:
                return i
        return None

    @staticmethod
    def _period_ends_sentence(before: str, following: str | None) -> bool | None:
        """Does a period after `before` end the sentence? None: cannot tell until more text comes."""
        match = _WORD_BEFORE.search(before)
        raw = match.group(1) if match else ""
        word = raw.lower()
        if word in LEADING_ABBREVIATIONS or (len(raw) == 1 and raw.isupper()):
            return False  # "м. Київ", initials "Т. Шевченка"
        if word in TRAILING_ABBREVIATIONS:
            if following is None:
                return None
            return following == "\n" or following.isupper() or following.isdigit()
        if following is not None and following.islower():
            return False  # an unknown abbreviation: "прибл. два дні"
        return True

    @staticmethod
    def _soft_cut(text: str) -> int | None:
        if len(text) < SOFT_LIMIT:
            return None
        for match in _SOFT_BREAK.finditer(text):
            if match.start() >= SOFT_MIN:
                return match.end()
        return None
