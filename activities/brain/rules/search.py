"""Scenarios 1 and 2: picking tires (by size, car, season, brand, price limit) and stock by city."""

from __future__ import annotations

from typing import Any

from activities.brain.base_brain import StepContext
from activities.brain.rules import lang
from activities.brain.ukrainian.slots import Understanding
from activities.brain.ukrainian.understanding import understand
from activities.brain.rules.common import (
    ASK_SIZE,
    ORDINALS_M,
    SEASON_ADJECTIVE,
    Stage,
    anything_else,
    ask,
    offer,
    read,
)
from workflows.models import Scenario


def criteria(memory: dict[str, Any]) -> tuple[Any, ...]:
    size = memory.get("size")
    return (
        tuple(sorted(size.items())) if size else None,
        memory.get("season"),
        memory.get("studded"),
        memory.get("brand"),
        memory.get("max_price"),
    )


def remember(memory: dict[str, Any], text: str) -> None:
    """Keep what the caller said about the tires they want (a later word wins)."""
    from activities.brain.ukrainian.understanding import drop_fillers

    parts = lang.parse_size_parts(drop_fillers(text))  # "двісті п'ять, е-е, п'ятдесят п'ять"
    if parts is not None:
        if parts.complete is not None:
            memory["size"] = {"width": parts.width, "profile": parts.profile, "rim": parts.rim}
        elif memory.get("vehicle_sizes") and (fits := _vehicle_size(memory["vehicle_sizes"], parts)):
            memory["size"] = fits  # "у мене сімнадцятий радіус": the car's size with that rim
        elif "size" in memory:
            known = memory["size"]
            memory["size"] = {
                "width": parts.width or known["width"],
                "profile": parts.profile or known["profile"],
                "rim": parts.rim or known["rim"],
            }  # "ні, не шістнадцять, а сімнадцять"
        else:  # "на сімнадцяті диски", then "двісті двадцять п'ять, сорок п'ять": put the parts together
            said = {"width": parts.width, "profile": parts.profile, "rim": parts.rim}
            partial = {**memory.get("size_partial", {}), **{k: v for k, v in said.items() if v}}
            if all(partial.get(k) for k in ("width", "profile", "rim")):
                memory["size"] = partial
                memory.pop("size_partial", None)
            else:
                memory["size_partial"] = partial
    for key, parser in (
        ("season", lang.parse_season),
        ("brand", lang.parse_brand),
        ("city", lang.parse_city),
        ("studded", lang.parse_studded),
        ("max_price", lang.parse_max_price),
    ):
        value = parser(text)
        if value is None and key in ("brand", "city", "season"):
            slot = understand(text).slots.get(key)  # "мішленом", "у Кривому Розі", "Ханкок"
            value = slot.value if slot is not None and slot.sure else None
        if value is not None:
            memory[key] = value
    if lang.has_any(text, ("будь-який бренд", "будь який бренд", "бренд не важлив", "інший бренд")):
        memory.pop("brand", None)


def heard_vehicle(heard: Understanding | None, text: str) -> lang.Vehicle | None:
    """The car the caller named: the understanding layer's slot, else the number-aware matcher."""
    slot = (heard or understand(text)).slots.get("vehicle")
    if slot is not None:
        value = slot.value
        return lang.Vehicle(value["make"], value.get("model"), value.get("year"))
    return lang.parse_vehicle(text)


def _vehicle_size(sizes: list[str], parts: Any) -> dict[str, int] | None:
    for size in sizes:
        tire = lang.parse_tire_size(size)
        if tire is None:
            continue
        if all(
            want is None or want == got
            for want, got in ((parts.width, tire.width), (parts.profile, tire.profile), (parts.rim, tire.rim))
        ):
            return {"width": tire.width, "profile": tire.profile, "rim": tire.rim}
    return None


def ask_missing_size(partial: dict[str, int]) -> str:
    """A short question naming what the size still lacks ("Який радіус дисків?")."""
    if partial.get("width") and partial.get("profile"):
        return "Який радіус дисків?"
    if partial.get("rim") and not partial.get("width"):
        return f"Радіус {lang.number_words(partial['rim'])}. Яка ширина і профіль шини, наприклад двісті п'ять п'ятдесят п'ять?"
    return "Підкажіть, будь ласка, повний розмір: ширину, профіль і радіус, наприклад двісті п'ять п'ятдесят п'ять ер шістнадцять."


def heard_criteria(text: str) -> bool:
    return any(
        parse(text) is not None
        for parse in (lang.parse_size_parts, lang.parse_season, lang.parse_brand, lang.parse_max_price)
    )


def size_text(size: dict[str, int]) -> str:
    return f"{size['width']}/{size['profile']} R{size['rim']}"


def operator_reason(memory: dict[str, Any]) -> str:
    size = memory.get("size")
    if size:
        season = SEASON_ADJECTIVE.get(memory.get("season", ""), "")
        return f"шини {size_text(size)} {season}".strip()
    return "запит клієнта"


# --- by car -----------------------------------------------------------------------------------


async def by_vehicle(ctx: StepContext, vehicle: lang.Vehicle) -> None:
    """vehicle_fitment → the car's sizes → the season if unknown → search_tires."""
    memory = ctx.memory
    ctx.scenarios.add(Scenario.TIRE_SEARCH)
    if vehicle.model is None:
        await ask(ctx, f"Яка модель {vehicle.make}? Або назвіть розмір шин з боковини.")
        memory["vehicle_make"] = vehicle.make
        return
    args: dict[str, Any] = {"make": vehicle.make, "model": vehicle.model}
    if vehicle.year:
        args["year"] = vehicle.year
    found = await read(ctx, "vehicle_fitment", args)
    if found is None:
        return
    name = " ".join(p for p in (vehicle.make, vehicle.model) if p)
    memory["vehicle"] = {"make": vehicle.make, "model": vehicle.model, "year": vehicle.year}
    sizes: list[str] = found.get("sizes") or []
    if not sizes:
        await ask(ctx, f"На жаль, розмірів для {name} у каталозі немає. {ASK_SIZE}")
        return
    memory["vehicle_sizes"] = sizes
    first = lang.parse_tire_size(sizes[0])
    assert first is not None
    memory["size"] = {"width": first.width, "profile": first.profile, "rim": first.rim}
    memory.pop("options", None)
    listed = sizes[0] if len(sizes) == 1 else ", ".join(sizes[:-1]) + " або " + sizes[-1]
    await ctx.say(f"Для {name}{' ' + str(vehicle.year) + ' року' if vehicle.year else ''} підходять шини {listed}.")
    if memory.get("season") is None:
        await ask(ctx, "Які шини шукаєте: зимові, літні чи всесезонні?", Stage.SEASON)
        return
    await search(ctx, note_size=len(sizes) > 1)


# --- search -----------------------------------------------------------------------------------


async def search(ctx: StepContext, *, note_size: bool = False) -> bool:
    """search_tires with what the caller asked for; speaks up to three options. True if any."""
    memory = ctx.memory
    ctx.scenarios.add(Scenario.TIRE_SEARCH)
    size = memory["size"]
    args: dict[str, Any] = {**size, "limit": 3}
    for key in ("season", "brand", "studded", "max_price"):
        if memory.get(key) is not None:
            args[key] = memory[key]
    found = await read(ctx, "search_tires", args)
    if found is None:
        return False
    season = SEASON_ADJECTIVE.get(memory.get("season", ""), "")
    items = found["items"]
    memory.pop("selected", None)
    if not items:
        memory["options"] = []
        limits = []
        if memory.get("brand"):
            limits.append(f"бренду {memory['brand']}")
        if memory.get("max_price"):
            limits.append("у межах вашого бюджету")
        what = f"{season + ' ' if season else ''}шин {size_text(size)}{' ' + ' '.join(limits) if limits else ''}"
        await ask(
            ctx,
            f"На жаль, {what} зараз немає в наявності. "
            "Можу пошукати інший сезон чи бренд, або з'єднати з оператором.",
        )
        return False
    memory["options"] = items
    budget = " у межах вашого бюджету" if memory.get("max_price") else ""
    brand = f" {memory['brand']}" if memory.get("brand") else ""
    kind = {True: "шиповані шини", False: "шини без шипів"}.get(memory.get("studded"), "шини")
    await ctx.say(f"{('Є ' + season) if season else 'Є'} {kind}{brand} {size_text(size)}{budget}.")
    if note_size:
        await ctx.say("Якщо у вас інший розмір, назвіть його.")
    # Spoken, not read: the price per tire is said once, the rest is understood.
    offers = "; ".join(
        f"{ORDINALS_M[i]} — {item['brand']} {item['model']}, {lang.hryvnias(item['price_uah'])}"
        + (" за шину" if i == 0 else "")
        for i, item in enumerate(items)
    )
    await ctx.say(f"{lang.upper_first(offers)}.")
    question = "Перевірити наявність?" if len(items) == 1 else "Перевірити наявність якоїсь із них?"
    await offer(ctx, question, "availability")
    return True


def picked_option(memory: dict[str, Any], text: str) -> bool:
    """The caller named one of the offered options ("друга", "мішлен"); remembers it as selected."""
    choice = lang.parse_choice(text)
    if choice is not None and choice < len(memory["options"]):
        memory["selected"] = choice
        return True
    heard = understand(text)
    model = heard.value("model")
    for index, option in enumerate(memory["options"]):
        if model and option["model"] == model:
            memory["selected"] = index  # "чи є Hakka R5 …": that model, not the first hit
            return True
    brand = lang.parse_brand(text) or heard.value("brand")
    for index, option in enumerate(memory["options"]):
        if brand and option["brand"] == brand:
            memory["selected"] = index
            return True
    return False


def unoffered_brand(memory: dict[str, Any], text: str) -> bool:
    """The caller names a brand none of the offered options has: that is a new search."""
    brand = lang.parse_brand(text)
    return brand is not None and all(option["brand"] != brand for option in memory.get("options") or [])


# --- availability -----------------------------------------------------------------------------


async def availability(ctx: StepContext) -> None:
    memory = ctx.memory
    ctx.scenarios.add(Scenario.AVAILABILITY)
    option = memory["options"][memory.get("selected", 0)]
    args = {"sku": option["sku"]}
    if memory.get("city"):
        args["city"] = memory["city"]
    stock = await read(ctx, "check_availability", args)
    if stock is None:
        return
    name = f"{option['brand']} {option['model']}"
    if not stock["in_stock"]:
        await ctx.say(f"На жаль, {name} зараз немає в наявності.")
        await anything_else(ctx)
        return
    where = [w for w in stock["warehouses"] if w["quantity"] > 0]
    city = memory.get("city")
    local = [w for w in where if w["city"] == city]
    if city and local:
        await ctx.say(f"{name} є {lang.in_city(city)}: {lang.pieces(local[0]['quantity'])}.")
        if stock.get("pickup_available"):
            await ctx.say("Забрати можна вже сьогодні.")
    else:
        best = max(where, key=lambda w: w["quantity"])
        prefix = f"{lang.upper_first(lang.in_city(city))} на складі немає, але " if city else ""
        await ctx.say(f"{prefix}{name} є на складі {lang.in_city(best['city'])}: {lang.pieces(best['quantity'])}.")
    days = stock.get("delivery_days")
    if days is not None and not (city and local and stock.get("pickup_available")):
        await ctx.say(delivery_phrase(days, city))
    memory["selected"] = memory.get("selected", 0)
    await offer(ctx, "Оформити замовлення?", "order")


def sku_for(brand: str, model: str, size: dict[str, int]) -> str | None:
    """The store's SKU of a brand's line in a size (store/brands.py codes), None if unknown."""
    from store.brands import BRANDS

    for item in BRANDS:
        if item.name == brand:
            for line in item.lines:
                if line.model == model:
                    return f"{item.code}-{line.code}-{size['width']}{size['profile']:02d}R{size['rim']}"
    return None


async def named_availability(ctx: StepContext, heard: Understanding) -> bool:
    """ "Чи є Hakka R5 205/55 R16 у Запоріжжі?": the stock of THAT model, not of a search's first hit.

    An option already offered is used as it is; otherwise the catalogue's item of that line and
    size (the search's, when it is in stock; else its SKU, so the store says where it is not)."""
    memory = ctx.memory
    model = heard.slots.get("model")
    if model is None or not model.sure:
        return False
    for index, option in enumerate(memory.get("options") or []):
        if option["model"] == model.value:
            memory["selected"] = index
            await availability(ctx)
            return True
    size = heard.value("size") or {}
    if not all(size.get(k) for k in ("width", "profile", "rim")):
        return False
    brand = heard.value("brand")
    sku = sku_for(brand, model.value, size) if brand else None
    if sku is None:
        return False
    ctx.scenarios.add(Scenario.TIRE_SEARCH)
    found = await read(ctx, "search_tires", {**size, "brand": brand, "limit": 10})
    if found is None:
        return True
    item = next((i for i in found.get("items") or [] if i["model"] == model.value), None)
    memory["options"] = [item or {"sku": sku, "brand": brand, "model": model.value}]
    memory["selected"] = 0
    memory.pop("brand", None)
    await availability(ctx)
    return True


def delivery_phrase(days: int, city: str | None) -> str:
    where = f" {lang.to_city(city)}" if city else ""
    if days <= 1:
        return f"Доставка{where} — завтра."
    return f"Доставка{where} — за {lang.days_words(days)}."
