"""Scenario 6: booking tire fitting — city, free slots, the caller's pick, book_fitting.

Two or three slots of one centre are offered ("завтра о десятій або о пів на дванадцяту"); the
caller picks by order ("перший"), by time ("о десятій") or by day ("завтра"). book_fitting is
checked by the tool runner with the store and read back by the workflow before anything is booked.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from activities.brain.base_brain import StepContext
from activities.brain.rules import lang
from activities.brain.rules.common import Stage, anything_else, ask, read, spoken_reason
from activities.brain.rules.search import size_text
from activities.tools import ToolError
from workflows.models import ExpectedReply, Scenario

OFFERED = 3


async def start(ctx: StepContext, text: str) -> None:
    memory = ctx.memory
    ctx.scenarios.add(Scenario.FITTING)
    slots = memory.get("slots") or []
    if slots and (lang.parse_choice(text) is not None or lang.parse_time(text) is not None):
        chosen = pick(slots, text)  # back to the times offered before: "запишіть на перший"
        if chosen is not None:
            await book(ctx, chosen)
            return
    city = lang.parse_city(text) or memory.get("city")
    if city is None:
        await ask(ctx, "У якому місті вам зручно перевзутися?", Stage.FITTING_CITY)
        return
    memory["city"] = city
    await offer_slots(ctx, city, lang.parse_day(text), wanted=lang.parse_time(text))


async def offer_slots(
    ctx: StepContext, city: str, day: date | None = None, *, wanted: tuple[int, int] | None = None,
    centre_id: str | None = None,
) -> None:
    """fitting_slots → offer up to three of one centre (or book at once the time the caller named)."""
    memory = ctx.memory
    args: dict[str, Any] = {"city": city, "days": 1 if day else 3, "limit": 10}
    if day:
        args["date_from"] = day.isoformat()
    if centre_id:
        args["centre_id"] = centre_id
    found = await read(ctx, "fitting_slots", args)
    if found is None:
        return
    slots = found.get("slots") or []
    if not slots:
        when = f" {lang.date_words(day)}" if day else " найближчими днями"
        await ask(ctx, f"На жаль,{when} вільного часу {lang.in_city(city)} немає. Подивитися інший день?",
                  Stage.FITTING_PICK)
        memory["slots"] = []
        return
    if wanted is not None:
        match = next((s for s in slots if _time_of(s) == wanted), None)
        if match is not None:
            await book(ctx, match)
            return
    centre = slots[0]["centre_id"]
    chosen = [s for s in slots if s["centre_id"] == centre][:OFFERED]
    memory["slots"] = chosen
    if wanted is not None:
        await ctx.say(f"{lang.upper_first(lang.time_words(*wanted))} вже зайнято.")
    address = chosen[0].get("address")
    if address:
        await ctx.say(f"Шиномонтаж {lang.in_city(city)}: {lang.expand_address(address)}.")
    times = lang.slots_words([s["start"] for s in chosen])
    await ask(ctx, f"Вільно {times}. Який час вам зручний?", Stage.FITTING_PICK)


def _time_of(slot: dict[str, Any]) -> tuple[int, int]:
    moment = lang.parse_iso(slot["start"])
    return moment.hour, moment.minute


def pick(slots: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    """The offered slot the caller means: by time, by day, by order, or "так" for the first."""
    wanted = lang.parse_time(text)
    day = lang.parse_day(text)
    candidates = slots
    if day is not None:
        candidates = [s for s in slots if lang.parse_iso(s["start"]).date() == day]
        if not candidates:
            return None
    if wanted is not None:
        return next((s for s in candidates if _time_of(s) == wanted), None)
    if lang.has_any(text, ("останн",)):
        return candidates[-1]
    choice = lang.parse_choice(text)
    if choice is not None:
        return candidates[choice] if choice < len(candidates) else None
    if day is not None:
        return candidates[0]
    if lang.says_yes(text) or lang.has_any(text, ("найближч", "будь-який", "будь який", "підходить", "перш")):
        return candidates[0]
    return None


async def answer_stage(ctx: StepContext, text: str, stage: str) -> bool:
    """The caller answers the fitting question asked last turn; False if it is not an answer."""
    memory = ctx.memory
    if stage == Stage.FITTING_CITY:
        city = lang.parse_city(text)
        if city is None:
            return False
        ctx.scenarios.add(Scenario.FITTING)
        memory["city"] = city
        await offer_slots(ctx, city, lang.parse_day(text), wanted=lang.parse_time(text))
        return True
    slots = memory.get("slots") or []
    chosen = pick(slots, text) if slots else None
    if chosen is not None:
        ctx.scenarios.add(Scenario.FITTING)
        await book(ctx, chosen)
        return True
    day, wanted = lang.parse_day(text), lang.parse_time(text)
    if day is not None or wanted is not None or (not slots and lang.says_yes(text)):
        # another day or a time not offered: look again (same centre if a time was named)
        ctx.scenarios.add(Scenario.FITTING)
        centre = slots[0]["centre_id"] if slots and wanted is not None else None
        await offer_slots(ctx, memory["city"], day, wanted=wanted, centre_id=centre)
        return True
    return False


async def book(ctx: StepContext, slot: dict[str, Any]) -> None:
    memory = ctx.memory
    ctx.scenarios.add(Scenario.FITTING)
    args: dict[str, Any] = {"centre_id": slot["centre_id"], "start": slot["start"]}
    vehicle = memory.get("vehicle")
    if vehicle:
        args["vehicle"] = " ".join(str(v) for v in (vehicle.get("make"), vehicle.get("model"), vehicle.get("year")) if v)
    size = memory.get("size")
    if size:
        args["tire_size"] = size_text(size)
    fulfilled = memory.get("orders_placed") or []
    if fulfilled:
        args["order_number"] = fulfilled[-1]
    try:
        await ctx.tools.call("book_fitting", args)
    except ToolError as error:
        reason = spoken_reason(error) or "цей час недоступний"
        await ctx.say(f"Не вдається записати: {reason}.")
        city = memory.get("city") or slot.get("city")
        if city:
            await offer_slots(ctx, city)
        else:
            await anything_else(ctx)
        return
    memory.pop("stage", None)
    memory["awaiting"] = "book_fitting"
    ctx.expect = ExpectedReply.YES_NO


async def declined(ctx: StepContext, text: str) -> None:
    """The caller said no to the booking read-back: another slot, or nothing."""
    memory = ctx.memory
    ctx.scenarios.add(Scenario.FITTING)
    if lang.wants_cancel(text) and lang.parse_time(text) is None and lang.parse_day(text) is None:
        memory.pop("slots", None)
        await ctx.say("Добре, не записую.")
        await anything_else(ctx)
        return
    if await answer_stage(ctx, text, Stage.FITTING_PICK):
        return
    slots = memory.get("slots") or []
    if slots:
        times = lang.slots_words([s["start"] for s in slots])
        await ask(ctx, f"Добре. Вільно {times}. Який час вам зручніший?", Stage.FITTING_PICK)
    else:
        await ask(ctx, "Добре. Який день і час вам зручні?", Stage.FITTING_PICK)
