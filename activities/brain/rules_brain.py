"""The offline brain: deterministic Ukrainian rules behind the same interface as Claude.

It keeps what the caller told it (size, season, brand, city, the options offered) in the
step memory the workflow carries between turns, and every fact it speaks comes from a tool.
"""

from __future__ import annotations

from typing import Any

from activities.brain import ukrainian as uk
from activities.brain.base_brain import Brain, StepContext
from activities.tools import ToolError
from workflows.models import Scenario

SEASON_ADJECTIVE = {"winter": "зимові", "summer": "літні", "all_season": "всесезонні"}
CITY_LOCATIVE = {"Київ": "у Києві", "Львів": "у Львові", "Одеса": "в Одесі", "Дніпро": "у Дніпрі", "Харків": "у Харкові"}
CITY_GENITIVE = {"Київ": "Києва", "Львів": "Львова", "Одеса": "Одеси", "Дніпро": "Дніпра", "Харків": "Харкова"}
MAX_MISUNDERSTOOD = 2

HELP = (
    "Я можу підібрати шини за розміром або за авто, перевірити наявність "
    "чи з'єднати вас з оператором. Що вас цікавить?"
)
ASK_SIZE = (
    "Підкажіть, будь ласка, розмір шин, наприклад двісті п'ять п'ятдесят п'ять ер шістнадцять. "
    "Його видно на боковині шини."
)
SORRY_STORE = "Вибачте, не можу зараз перевірити каталог. Можу з'єднати вас з оператором."


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


class RulesBrain(Brain):
    name = "rules"

    async def run_step(self, ctx: StepContext) -> None:
        text = ctx.caller_text
        memory = ctx.memory
        before = self._criteria(memory)
        self._remember(memory, text)
        # A new size, season or studding asks for a new search, even if phrased as "чи є…".
        new_criteria = self._criteria(memory) != before

        if uk.wants_operator(text):
            ctx.scenarios.add(Scenario.TRANSFER)
            await ctx.tools.call("transfer_to_operator", {"reason": self._operator_reason(memory)})
            return
        if uk.says_goodbye(text) or (memory.get("offered_more") and uk.says_no(text) and not new_criteria):
            await ctx.tools.call("end_call", {"reason": "caller_done"})
            return
        if (
            memory.get("options")
            and not new_criteria
            # the choice first: "а друга є в наявності?" is about the second option
            and (self._picked_option(memory, text) or uk.asks_availability(text))
            and not self._unoffered_brand(memory, text)
        ):
            await self._availability(ctx)
            return
        if memory.get("options") and memory.get("offered_availability") and uk.says_yes(text):
            await self._availability(ctx)
            return
        if memory.get("offered_availability") and uk.says_no(text) and not new_criteria:
            memory["offered_availability"] = False
            memory["offered_more"] = True
            await ctx.say("Добре. Чим ще можу допомогти?")
            return
        if "size" in memory and (self._heard_new_criteria(text) or not memory.get("options")):
            await self._search(ctx)
            return
        if "size" not in memory and (memory.get("season") or memory.get("brand")):
            ctx.scenarios.add(Scenario.TIRE_SEARCH)
            memory["misunderstood"] = 0
            await ctx.say(ASK_SIZE)
            return
        await self._not_understood(ctx)

    # --- what the caller said -------------------------------------------------

    def _remember(self, memory: dict[str, Any], text: str) -> None:
        size = uk.parse_tire_size(text)
        if size:
            memory["size"] = {"width": size.width, "profile": size.profile, "rim": size.rim}
        elif "size" in memory and (rim := uk.parse_rim(text)):
            memory["size"]["rim"] = rim  # "ні, не шістнадцять, а сімнадцять"
        for key, parser in (
            ("season", uk.parse_season),
            ("brand", uk.parse_brand),
            ("city", uk.parse_city),
            ("studded", uk.parse_studded),
        ):
            value = parser(text)
            if value is not None:
                memory[key] = value

    @staticmethod
    def _criteria(memory: dict[str, Any]) -> tuple[Any, ...]:
        size = memory.get("size")
        return (tuple(sorted(size.items())) if size else None, memory.get("season"), memory.get("studded"))

    def _heard_new_criteria(self, text: str) -> bool:
        return any(
            parse(text) is not None
            for parse in (uk.parse_tire_size, uk.parse_season, uk.parse_brand, uk.parse_rim)
        )

    def _picked_option(self, memory: dict[str, Any], text: str) -> bool:
        choice = uk.parse_choice(text)
        if choice is not None and choice < len(memory["options"]):
            memory["selected"] = choice
            return True
        brand = uk.parse_brand(text)
        for index, option in enumerate(memory["options"]):
            if brand and option["brand"] == brand:
                memory["selected"] = index
                return uk.asks_availability(text) or bool(uk.parse_city(text))
        return False

    @staticmethod
    def _unoffered_brand(memory: dict[str, Any], text: str) -> bool:
        """The caller names a brand none of the offered options has: that is a new search."""
        brand = uk.parse_brand(text)
        return brand is not None and all(option["brand"] != brand for option in memory["options"])

    @staticmethod
    def _operator_reason(memory: dict[str, Any]) -> str:
        size = memory.get("size")
        if size:
            season = SEASON_ADJECTIVE.get(memory.get("season", ""), "")
            return f"шини {size['width']}/{size['profile']} R{size['rim']} {season}".strip()
        return "запит клієнта"

    # --- answers --------------------------------------------------------------

    async def _search(self, ctx: StepContext) -> None:
        memory = ctx.memory
        ctx.scenarios.add(Scenario.TIRE_SEARCH)
        memory["misunderstood"] = 0
        size = memory["size"]
        args: dict[str, Any] = {**size, "limit": 3}
        for key in ("season", "brand", "studded"):
            if memory.get(key) is not None:
                args[key] = memory[key]
        found = await self._read(ctx, "search_tires", args)
        if found is None:
            return
        size_text = f"{size['width']}/{size['profile']} R{size['rim']}"
        season = SEASON_ADJECTIVE.get(memory.get("season", ""), "")
        items = found["items"]
        if not items:
            memory["options"] = []
            await ctx.say(
                f"На жаль, {season + ' ' if season else ''}шин {size_text} зараз немає в наявності. "
                "Можу пошукати інший сезон чи бренд, або з'єднати з оператором."
            )
            return
        memory["options"] = items
        memory.pop("selected", None)
        await ctx.say(f"{('Є ' + season) if season else 'Є'} шини {size_text}.")
        # Spoken, not read: the price per tire is said once, the rest is understood.
        offers = "; ".join(
            f"{self._ordinal(i)} — {item['brand']} {item['model']}, {uk.hryvnias(item['price_uah'])}"
            + (" за шину" if i == 0 else "")
            for i, item in enumerate(items)
        )
        await ctx.say(f"{_upper_first(offers)}.")
        memory["offered_availability"] = True
        await ctx.say("Перевірити наявність якоїсь із них?")

    @staticmethod
    async def _read(ctx: StepContext, tool: str, args: dict[str, Any]) -> Any | None:
        """A read tool's result, or None after apologising when the store could not answer."""
        try:
            return await ctx.tools.call(tool, args)
        except ToolError:
            await ctx.say(SORRY_STORE)
            return None

    async def _availability(self, ctx: StepContext) -> None:
        memory = ctx.memory
        ctx.scenarios.add(Scenario.AVAILABILITY)
        memory["misunderstood"] = 0
        option = memory["options"][memory.get("selected", 0)]
        args = {"sku": option["sku"]}
        if memory.get("city"):
            args["city"] = memory["city"]
        stock = await self._read(ctx, "check_availability", args)
        if stock is None:
            return
        name = f"{option['brand']} {option['model']}"
        if not stock["in_stock"]:
            await ctx.say(f"На жаль, {name} зараз немає в наявності. Можу запропонувати інший варіант.")
            return
        where = [w for w in stock["warehouses"] if w["quantity"] > 0]
        city = memory.get("city")
        local = [w for w in where if w["city"] == city]
        if city and local:
            await ctx.say(f"{name} є {CITY_LOCATIVE.get(city, city)}: {uk.pieces(local[0]['quantity'])}.")
            if stock.get("pickup_available"):
                await ctx.say("Забрати можна вже сьогодні.")
        else:
            best = max(where, key=lambda w: w["quantity"])
            prefix = f"{_upper_first(CITY_LOCATIVE.get(city, city))} на складі немає, але " if city else ""
            await ctx.say(
                f"{prefix}{name} є на складі {CITY_LOCATIVE.get(best['city'], best['city'])}: "
                f"{uk.pieces(best['quantity'])}."
            )
        days = stock.get("delivery_days")
        if days is not None and not (city and local and stock.get("pickup_available")):
            await ctx.say(self._delivery_phrase(days, city))
        memory["offered_availability"] = False  # a "так" now answers "Чим ще можу допомогти?"
        memory["offered_more"] = True
        await ctx.say("Чим ще можу допомогти?")

    async def _not_understood(self, ctx: StepContext) -> None:
        memory = ctx.memory
        memory["misunderstood"] = memory.get("misunderstood", 0) + 1
        if memory["misunderstood"] > MAX_MISUNDERSTOOD:
            ctx.scenarios.add(Scenario.TRANSFER)
            await ctx.say("Схоже, мені краще передати вас колезі.")
            await ctx.tools.call("transfer_to_operator", {"reason": "бот не зрозумів запит"})
            return
        await ctx.say(HELP)

    @staticmethod
    def _ordinal(index: int) -> str:
        return ("перший", "другий", "третій", "четвертий", "п'ятий")[index]

    @staticmethod
    def _delivery_phrase(days: int, city: str | None) -> str:
        where = f" до {CITY_GENITIVE.get(city, city)}" if city else ""
        if days <= 1:
            return f"Доставка{where} — завтра."
        return f"Доставка{where} — за {days} {'дні' if days < 5 else 'днів'}."
