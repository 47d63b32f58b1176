"""The offline brain: deterministic Ukrainian rules behind the same interface as Claude.

One turn goes through the same checks in the same order, so the brain is predictable:

1. guard rails: a prompt injection is refused (no tool, no price); a rude caller and a caller
   who asks for a person are transferred; a goodbye ends the call;
2. the workflow's news: an order or booking the caller did not confirm (``declined``), or one
   that was placed (``fulfilled``);
3. a new topic (order status, fitting, advice, a car or a size) wins over the question asked last;
4. otherwise the turn answers the question asked last (``stage``) or the yes/no offer made;
5. what is left is a search, a stock check, an order, off-topic talk, or not understood
   (the third time in a row goes to a person).

Every fact it speaks comes from a tool result; the caller's own numbers are never spoken as prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from activities.brain.base_brain import Brain, StepContext
from activities.brain.rules import advice, fitting, lang, orders, search
from activities.brain.ukrainian.understanding import understand
from activities.brain.ukrainian.slots import Understanding
from activities.brain.rules.common import (
    ASK_SIZE,
    HELP,
    MAX_MISUNDERSTOOD,
    ANSWER_FIRST,
    Stage,
    anything_else,
    ask,
    offer,
)
from workflows.models import ExpectedReply, Scenario

INJECTION_REFUSAL = (
    "Вибачте, я не можу змінювати ціни, знижки чи правила магазину. "
    "Ціни — лише ті, що в каталозі."
)
DISCOUNT_ANSWER = "Ціни в каталозі остаточні, змінити їх я не можу. Про акції може розповісти оператор."
OFF_TOPIC = "Вибачте, з цим я не допоможу: я консультую щодо шин, замовлень і шиномонтажу."
RUDE = "Перепрошую, що не вдалося вам допомогти. Зараз передам вас колезі."


@dataclass
class Turn:
    """The caller's turn and what the previous turns left for it to answer."""

    text: str
    stage: str | None  # the question asked last (a `Stage`), if any
    offer: str | None  # the yes/no offer made last: availability, order, search, more
    declined: str | None  # the action whose read-back the caller did not confirm
    misses: int  # turns in a row not understood before this one
    new_criteria: bool = False  # the caller changed size, season, studs, brand or price limit
    city_before: str | None = None
    heard: Understanding | None = None  # the turn's slots (understand())

    @property
    def intent(self) -> str | None:
        return self.heard.value("intent") if self.heard else None


class RulesBrain(Brain):
    name = "rules"

    async def run_step(self, ctx: StepContext) -> None:
        memory = ctx.memory
        turn = Turn(
            text=ctx.caller_text,
            stage=memory.pop("stage", None),
            offer=memory.pop("offer", None),
            declined=memory.pop("declined", None),
            misses=memory.pop("misunderstood", 0),  # kept only by a turn not understood again
            heard=understand(ctx.caller_text, caller_number=ctx.caller_number or None),
        )
        memory.pop("awaiting", None)
        if self._note_fulfilled(memory):
            turn.offer = "more"  # the workflow told the number and asked "Чим ще можу допомогти?"
        for phase in (self._guard_rails, self._declined, self._topic_or_answer, self._offers, self._rest):
            if await phase(ctx, turn):
                return

    # --- the phases, in order; each returns True when it answered the turn -----------------------

    async def _guard_rails(self, ctx: StepContext, turn: Turn) -> bool:
        text = turn.text
        if lang.is_injection(text):
            await self._refuse(ctx, turn.stage, INJECTION_REFUSAL)
        elif lang.is_rude(text):
            ctx.scenarios.add(Scenario.TRANSFER)
            await ctx.say(RUDE)
            await ctx.tools.call("transfer_to_operator", {"reason": "клієнт незадоволений"})
        elif lang.wants_operator(text):
            ctx.scenarios.add(Scenario.TRANSFER)
            await ctx.tools.call("transfer_to_operator", {"reason": search.operator_reason(ctx.memory)})
        elif turn.intent == "operator_topic":
            ctx.scenarios.add(Scenario.TRANSFER)
            await offer(ctx, "З поверненням, гарантією чи скаргою допоможе оператор. З'єднати вас?", "operator")
        elif turn.offer == "operator" and lang.says_yes(text):
            ctx.scenarios.add(Scenario.TRANSFER)
            await ctx.tools.call("transfer_to_operator", {"reason": "повернення, гарантія або скарга"})
        elif turn.intent == "hearing_check":
            await self._hearing_check(ctx, turn)
        elif turn.intent == "goodbye" or lang.says_goodbye(text) or (
            turn.offer == "more" and lang.says_no(text) and not search.heard_criteria(text)
            and not lang.is_correction(text)
        ):
            await ctx.tools.call("end_call", {"reason": "caller_done"})
        else:
            return False
        return True

    async def _declined(self, ctx: StepContext, turn: Turn) -> bool:
        """The caller said no to the workflow's read-back: apply the correction or ask what to change."""
        if turn.declined == "create_order":
            await orders.change(ctx, turn.text)
        elif turn.declined == "book_fitting":
            await fitting.declined(ctx, turn.text)
        else:
            return False
        return True

    async def _topic_or_answer(self, ctx: StepContext, turn: Turn) -> bool:
        """A new topic wins over the question asked last; else the turn may answer it."""
        memory, text, stage = ctx.memory, turn.text, turn.stage
        if (lang.wants_order_status(text) or turn.intent == "order_status") and stage != Stage.STATUS_NUMBER:
            await orders.status(ctx, text)
            return True
        if (lang.wants_fitting(text) or turn.intent == "fitting") and stage not in (Stage.FITTING_CITY, Stage.FITTING_PICK):
            await fitting.start(ctx, text)
            return True
        if stage in ANSWER_FIRST and await self._answer(ctx, text, stage):
            return True
        if lang.asks_discount(text):
            await self._refuse(ctx, stage, DISCOUNT_ANSWER)
            return True

        studded = memory.get("studded")
        turn.city_before = memory.get("city")
        before = search.criteria(memory)
        search.remember(memory, text)
        if lang.asks_studs_question(text):
            memory["studded"] = studded  # a question about studs is not a wish for them
            if studded is None:
                memory.pop("studded", None)
        turn.new_criteria = search.criteria(memory) != before
        heard = turn.heard
        if heard is not None and "model" in heard.slots and (
            heard.value("city") or heard.value("intent") == "availability"
        ) and await search.named_availability(ctx, heard):
            return True

        if lang.wants_advice(text) or lang.asks_studs_question(text) or lang.asks_season_suitability(text):
            if turn.new_criteria:
                memory.pop("options", None)  # "порадьте зимові 205/55 R16": search these first
            await advice.advise(ctx, text)
            return True
        if stage == Stage.VEHICLE_GUESS and lang.says_yes(text) and memory.get("vehicle_guess"):
            await search.by_vehicle(ctx, lang.Vehicle(**memory.pop("vehicle_guess")))
            return True
        memory.pop("vehicle_guess", None)
        vehicle = search.heard_vehicle(turn.heard, text)
        if vehicle is not None and lang.parse_tire_size(text) is None and (vehicle.model or not memory.get("options")):
            slot = turn.heard.slots.get("vehicle") if turn.heard else None
            if slot is not None and not slot.sure and vehicle.model:
                memory["vehicle_guess"] = {"make": vehicle.make, "model": vehicle.model, "year": vehicle.year}
                ctx.scenarios.add(Scenario.TIRE_SEARCH)
                await ask(ctx, f"Ви мали на увазі {vehicle.make} {vehicle.model}?", Stage.VEHICLE_GUESS,
                          ExpectedReply.YES_NO)
                return True
            await search.by_vehicle(ctx, vehicle)
            return True
        if stage == Stage.SEASON and memory.get("season") and "size" in memory:
            await search.search(ctx, note_size=len(memory.get("vehicle_sizes") or []) > 1)
            return True
        return stage is not None and stage not in ANSWER_FIRST and await self._answer(ctx, text, stage)

    async def _offers(self, ctx: StepContext, turn: Turn) -> bool:
        """Yes or no to the offer made last, and choices among the options offered."""
        memory, text, offer = ctx.memory, turn.text, turn.offer
        options = memory.get("options")
        fresh = not turn.new_criteria
        if fresh and (
            (options and self._orders_option(memory, text))  # "першу, комплект, самовивіз у Києві"
            or lang.wants_to_order(text)
            or (offer == "order" and lang.says_yes(text))
        ):
            await orders.start(ctx, text)
        elif (
            options
            and fresh
            # the choice first: "а друга є в наявності?" is about the second option
            and (self._picked_for_stock(memory, text) or lang.asks_availability(text))
            and not search.unoffered_brand(memory, text)
        ):
            await search.availability(ctx)
        elif options and fresh and "selected" in memory and memory.get("city") != turn.city_before:
            await search.availability(ctx)  # "ні, не у Києві, а в Харкові"
        elif options and offer == "availability" and lang.says_yes(text):
            await search.availability(ctx)
        elif offer == "search" and lang.says_yes(text) and "size" in memory:
            await search.search(ctx)
        elif offer in ("availability", "order", "search") and lang.says_no(text) and fresh:
            await ctx.say("Добре.")
            await anything_else(ctx)
        elif offer == "more" and lang.says_yes(text) and fresh:
            await ask(ctx, "Слухаю вас.")
        else:
            return False
        return True

    async def _rest(self, ctx: StepContext, turn: Turn) -> bool:
        """A search with what is known, off-topic talk, thanks, a greeting, or not understood."""
        memory, text = ctx.memory, turn.text
        if "size" in memory and (turn.new_criteria or not memory.get("options")):
            await search.search(ctx)
        elif "size" not in memory and memory.get("size_partial"):
            ctx.scenarios.add(Scenario.TIRE_SEARCH)
            await ask(ctx, search.ask_missing_size(memory["size_partial"]))
        elif "size" not in memory and (memory.get("season") or memory.get("brand") or memory.get("max_price")):
            ctx.scenarios.add(Scenario.TIRE_SEARCH)
            await ask(ctx, ASK_SIZE)
        elif lang.is_off_topic(text):
            await self._refuse(ctx, turn.stage, OFF_TOPIC)
        elif lang.is_thanks_only(text):
            await ctx.say("Будь ласка.")
            await anything_else(ctx)
        elif lang.is_greeting_only(text):
            await ask(ctx, f"Добрий день! {HELP}")
        else:
            await self._not_understood(ctx, turn.stage, turn.misses)
        return True

    async def _hearing_check(self, ctx: StepContext, turn: Turn) -> None:
        """ "Алло? Мене чути?": yes, and back to where the talk was (not the greeting again)."""
        await ctx.say("Так, чую вас добре.")
        question = ctx.memory.get("question")
        if turn.stage is not None and question:
            await ask(ctx, question, Stage(turn.stage), _expect_for(turn.stage))
        elif turn.offer and question:
            await offer(ctx, question, turn.offer)
        else:
            await ask(ctx, "Чим можу допомогти?")

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _note_fulfilled(memory: dict[str, Any]) -> bool:
        """After the workflow placed an order or booking: its flow is over; keep the number."""
        done = memory.pop("fulfilled", None)
        if not done:
            return False
        if done.get("kind") == "order":
            memory.pop("order", None)
            if done.get("number"):
                memory.setdefault("orders_placed", []).append(done["number"])
        else:
            memory.pop("slots", None)
        return True

    @staticmethod
    def _orders_option(memory: dict[str, Any], text: str) -> bool:
        """An option named together with how many or how to deliver: that is an order."""
        choice = lang.parse_choice(text)
        if choice is None or choice >= len(memory["options"]):
            return False
        return lang.parse_delivery_method(text) is not None or lang.parse_quantity(text) is not None

    @staticmethod
    def _picked_for_stock(memory: dict[str, Any], text: str) -> bool:
        """ "А друга є в наявності?", "мішлен є у Львові?": an option named together with stock."""
        choice = lang.parse_choice(text)
        if choice is not None and choice < len(memory["options"]):
            memory["selected"] = choice
            return True
        if search.picked_option(memory, text):
            return lang.asks_availability(text) or bool(lang.parse_city(text))
        return False

    async def _answer(self, ctx: StepContext, text: str, stage: str) -> bool:
        if stage == Stage.STATUS_NUMBER:
            return await orders.status(ctx, text, in_stage=True)
        if stage in (Stage.FITTING_CITY, Stage.FITTING_PICK):
            return await fitting.answer_stage(ctx, text, stage)
        if stage.startswith("order_"):
            return await orders.answer_stage(ctx, text, stage)
        return False

    async def _refuse(self, ctx: StepContext, stage: str | None, words: str) -> None:
        """Politely decline and steer back to the question pending, if any (nothing else happens)."""
        await ctx.say(words)
        question = ctx.memory.get("question")
        if stage is not None and question:
            await ctx.say("Повернімося до нашої розмови.")
            await ask(ctx, question, Stage(stage), _expect_for(stage))
        elif ctx.memory.get("options"):
            await ask(ctx, "Можу перевірити наявність запропонованих шин або оформити замовлення. Що обираєте?")
        else:
            await ask(ctx, "Можу підібрати шини, перевірити замовлення чи записати на шиномонтаж. Що вас цікавить?")

    async def _not_understood(self, ctx: StepContext, stage: str | None, misses: int) -> None:
        memory = ctx.memory
        memory["misunderstood"] = misses + 1
        if memory["misunderstood"] > MAX_MISUNDERSTOOD:
            ctx.scenarios.add(Scenario.TRANSFER)
            await ctx.say("Схоже, мені краще передати вас колезі.")
            await ctx.tools.call("transfer_to_operator", {"reason": "бот не зрозумів запит"})
            return
        question = memory.get("question")
        if stage is not None and question:
            await ctx.say("Перепрошую, повторю питання.")
            await ask(ctx, question, Stage(stage), _expect_for(stage))
            return
        await ask(ctx, HELP)


def _expect_for(stage: str) -> ExpectedReply:
    return ExpectedReply.DIGITS if stage in (Stage.ORDER_BRANCH, Stage.STATUS_NUMBER) else ExpectedReply.OPEN
