"""Hedged requests: the first success among tries started one after another, while the others
still run ("The Tail at Scale", Dean and Barroso).

A live caller waits on two outside services, the model and the store. When one of them hangs,
waiting for a timeout and then asking again costs the timeout; starting a second, identical
request after a short delay, beside the first, costs only the delay, and whichever answers first
is used. Only requests that are safe to send twice go through here: store reads, and a model
request up to its first content (nothing has been said or done with it yet).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class HedgeBudget:
    """At most ``ratio`` hedges per request, over time (a token bucket of ``burst``): a service
    slow for everyone gets that much more load from the hedges, not twice its load."""

    def __init__(self, ratio: float, burst: float = 10.0) -> None:
        self.ratio = ratio
        self.burst = burst
        self._tokens = burst
        self._lock = threading.Lock()  # one budget per process: every call's steps share it

    def request(self) -> None:
        """A first try went out: it earns ``ratio`` of a hedge."""
        with self._lock:
            self._tokens = min(self.burst, self._tokens + self.ratio)

    def take(self) -> bool:
        """May a hedge go out now? (It spends one.)"""
        with self._lock:
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True


def _never(_failures: int) -> float | None:
    return None


async def first_success(
    start: Callable[[], Awaitable[T]],
    *,
    hedge_after_s: float,
    max_tries: int | None = None,
    max_in_flight: int = 2,
    pause_after_failure: Callable[[int], float | None] = _never,
    retryable: Callable[[BaseException], bool] = lambda _exc: True,
    on_try: Callable[[int, BaseException | None], None] | None = None,
    discard: Callable[[T], Awaitable[object]] | None = None,
    budget: HedgeBudget | None = None,
) -> T:
    """The result of the first of ``start()``'s tries to succeed.

    Another try starts when ``hedge_after_s`` has passed since the last one without a success
    (0: never), while fewer than ``max_in_flight`` run and ``max_tries`` allows. When a failure
    leaves nothing running, ``pause_after_failure(failures so far)`` says how long to wait before
    the next try, or None to give up with the first failure. A failure that is not
    ``retryable`` is raised at once. ``on_try(n, failure)`` hears of every try after the first:
    the failure it follows, or None for a hedge. The losers are cancelled; one that succeeded all the same goes to ``discard``.
    A hedge (not a try after a failure) needs a token of ``budget``, if one is given.
    The caller bounds the whole with its own timeout.
    """
    loop = asyncio.get_running_loop()
    running: set[asyncio.Task[T]] = set()
    failures: list[BaseException] = []
    tries = 0
    last_start = loop.time()
    out_of_budget = False

    def begin(after: BaseException | None = None) -> None:
        nonlocal tries, last_start
        tries += 1
        if tries > 1 and on_try is not None:
            on_try(tries, after)
        running.add(asyncio.ensure_future(start()))
        last_start = loop.time()

    def may_begin() -> bool:
        return max_tries is None or tries < max_tries

    if budget is not None:
        budget.request()
    begin()
    try:
        while True:
            if not running:
                pause = pause_after_failure(len(failures)) if may_begin() else None
                if pause is None:
                    raise failures[0]
                await asyncio.sleep(pause)
                begin(after=failures[-1])
                continue
            wait_s: float | None = None
            if hedge_after_s > 0 and may_begin() and len(running) < max_in_flight and not out_of_budget:
                wait_s = max(0.0, last_start + hedge_after_s - loop.time())
            done, _ = await asyncio.wait(running, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
            if not done:
                if budget is None or budget.take():
                    begin()  # the hedge
                else:
                    out_of_budget = True  # wait for what runs, as without hedging
                continue
            for task in done:
                running.discard(task)
                failure = task.exception()
                if failure is None:
                    return task.result()
                if not retryable(failure):
                    raise failure
                failures.append(failure)
    finally:  # the winner has left ``running``: what is there lost the race
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(BaseException):  # failed or cancelled: nothing to clean up
                late = await task
                if discard is not None:
                    await discard(late)
