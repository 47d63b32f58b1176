"""`first_success`, the hedged-request race the Claude brain and the store reads share."""

from __future__ import annotations

import asyncio
import time

import pytest

from activities.hedging import HedgeBudget, first_success


class Tries:
    """Each try's behaviour in turn: a value after a delay, or an exception after a delay."""

    def __init__(self, *plans: tuple[float, object]) -> None:
        self.plans = list(plans)
        self.started: list[float] = []
        self.cancelled = 0
        self.t0 = time.monotonic()

    async def __call__(self) -> object:
        delay, outcome = self.plans[len(self.started)]
        self.started.append(time.monotonic() - self.t0)
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


async def test_a_slow_try_gets_a_twin_and_the_first_answer_wins() -> None:
    tries = Tries((10.0, "late"), (0.05, "twin"))
    assert await first_success(tries, hedge_after_s=0.1) == "twin"
    assert tries.started[1] == pytest.approx(0.1, abs=0.05)
    assert tries.cancelled == 1, "the hung try is cancelled"


async def test_a_failure_while_the_twin_runs_waits_for_the_twin() -> None:
    tries = Tries((0.15, ValueError("first")), (0.1, "twin"))
    assert await first_success(tries, hedge_after_s=0.1, max_tries=2) == "twin"


async def test_a_failure_with_nothing_running_gives_up_without_a_pause_rule() -> None:
    tries = Tries((0.0, ValueError("first")), (0.0, "never"))
    with pytest.raises(ValueError, match="first"):
        await first_success(tries, hedge_after_s=0.1, max_tries=2)
    assert len(tries.started) == 1


async def test_failures_are_tried_again_after_the_pause_and_reported() -> None:
    seen: list[tuple[int, str]] = []
    tries = Tries((0.0, ValueError("a")), (0.0, ValueError("b")), (0.0, "third"))
    result = await first_success(
        tries, hedge_after_s=1.0, pause_after_failure=lambda n: 0.05 * n,
        on_try=lambda n, failure: seen.append((n, str(failure))),
    )
    assert result == "third"
    assert seen == [(2, "a"), (3, "b")]
    assert tries.started[2] - tries.started[1] >= 0.1 - 0.01, "pauses of 0.05 then 0.1 s"


async def test_a_failure_that_is_not_retryable_ends_it_at_once_and_cancels_the_rest() -> None:
    tries = Tries((10.0, "hung"), (0.05, KeyError("the store's answer")))
    with pytest.raises(KeyError):
        await first_success(tries, hedge_after_s=0.05, retryable=lambda exc: not isinstance(exc, KeyError))
    assert tries.cancelled == 1


async def test_no_more_than_max_in_flight_run_at_once() -> None:
    tries = Tries((10.0, "a"), (10.0, "b"), (0.01, "c"))
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.35):
            await first_success(tries, hedge_after_s=0.1, max_in_flight=2)
    assert len(tries.started) == 2 and tries.cancelled == 2


async def test_a_twin_that_answered_too_is_handed_to_discard() -> None:
    """Both tries answer in the same moment: one result is used, the other is closed."""
    go = asyncio.Event()
    values = iter(["first", "second"])
    discarded: list[object] = []

    async def answer() -> object:
        value = next(values)
        await go.wait()
        return value

    async def discard(value: object) -> None:
        discarded.append(value)

    asyncio.get_running_loop().call_later(0.15, go.set)
    result = await first_success(answer, hedge_after_s=0.05, discard=discard)
    assert sorted([result, *discarded]) == ["first", "second"]


async def test_hedges_beyond_the_budget_wait_for_the_first_try() -> None:
    """A service slow for everyone: each request earns a quarter of a hedge, so after the burst
    only one request in four gets its twin; the others wait for their first try."""
    budget = HedgeBudget(ratio=0.25, burst=2.0)
    twins = 0
    for _ in range(12):
        tries = Tries((0.06, "slow first"), (0.0, "twin"))
        result = await first_success(tries, hedge_after_s=0.02, budget=budget)
        twins += result == "twin"
        assert result == ("twin" if len(tries.started) == 2 else "slow first")
    assert twins == 4, "the burst of two, then one in four: requests 1, 2, 5 and 9"


async def test_a_hedge_after_a_retry_is_reported_as_a_hedge() -> None:
    seen: list[tuple[int, object]] = []
    tries = Tries((0.0, ValueError("a")), (10.0, "hung"), (0.0, "twin"))
    result = await first_success(
        tries, hedge_after_s=0.05, pause_after_failure=lambda n: 0.01,
        on_try=lambda n, failure: seen.append((n, failure and str(failure))),
    )
    assert result == "twin"
    assert seen == [(2, "a"), (3, None)], "the third try is the second's twin, not a retry of the first"
