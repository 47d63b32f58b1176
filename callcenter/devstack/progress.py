"""How the dev stack reports on the terminal: one line per component starting, ready, failed or
stopped (``Progress``, with a rich spinner on a terminal and plain lines otherwise).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- progress display ----------------------------------------------------------------------


class Progress:
    """One line per component; a spinner on a terminal, plain lines otherwise (CI, pipes)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(soft_wrap=True, highlight=False)
        self.tty = self.console.is_terminal
        self._status: Any = None

    def _print(self, text: str) -> None:
        self.console.print(text, soft_wrap=True, highlight=False)

    def info(self, text: str) -> None:
        self._print(escape(text))

    def starting(self, name: str, detail: str = "") -> None:
        msg = f"{name}: starting… {detail}".rstrip()
        if self.tty:
            self._status = self.console.status(escape(msg))
            self._status.start()
        else:
            self._print(escape(msg))

    def _end_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def ready(self, name: str, seconds: float, detail: str) -> None:
        self._end_status()
        if self.tty:
            self._print(f"[green]✓[/] [bold]{escape(name):<9}[/] ready in {seconds:4.1f} s  {escape(detail)}")
        else:
            self._print(escape(f"✓ {name}: ready in {seconds:.1f} s  {detail}"))

    def failed(self, name: str, reason: str, log_path: Path | None, log_tail: str) -> None:
        self._end_status()
        self._print(f"[red]✗[/] [bold]{escape(name)}[/] failed: {escape(reason)}")
        if log_tail:
            where = f" ({_short(log_path)})" if log_path else ""
            self._print(f"--- last lines of its log{escape(where)} ---")
            self.console.print(log_tail, markup=False, highlight=False, soft_wrap=True)
            self._print("---")

    def stopped(self, name: str, seconds: float, code: int | None) -> None:
        self._end_status()
        note = "" if code in (None, 0) else f" (exit code {code})"
        self._print(escape(f"■ {name}: stopped in {seconds:.1f} s{note}"))

    def error(self, text: str) -> None:
        self._end_status()
        self._print(f"[red]{escape(text)}[/]")
