"""Scenario 7: advice — compare the offered tires, explain labels and indexes, studs or friction.

Every fact about a tire (price, EU label, load and speed index) comes from the search results
the caller was offered; general knowledge (what an index means, studs against friction) is
said without product numbers.
"""

from __future__ import annotations

from typing import Any

from activities.brain.base_brain import StepContext
from activities.brain.rules import lang
from activities.brain.rules.common import ASK_SIZE, ask, offer, read
from activities.brain.rules.search import search
from activities.brain.ukrainian.entities import extract_brand
from activities.brain.ukrainian.understanding import understand
from workflows.models import Scenario

# ETRTO load index → kilograms per tire, for the indexes passenger tires carry.
LOAD_KG = {
    75: 387, 76: 400, 77: 412, 78: 425, 79: 437, 80: 450, 81: 462, 82: 475, 83: 487, 84: 500,
    85: 515, 86: 530, 87: 545, 88: 560, 89: 580, 90: 600, 91: 615, 92: 630, 93: 650, 94: 670,
    95: 690, 96: 710, 97: 730, 98: 750, 99: 775, 100: 800, 101: 825, 102: 850, 103: 875,
    104: 900, 105: 925, 106: 950, 107: 975, 108: 1000, 109: 1030, 110: 1060, 111: 1090, 112: 1120,
}  # fmt: skip
SPEED_KMH = {"L": 120, "M": 130, "N": 140, "P": 150, "Q": 160, "R": 170, "S": 180, "T": 190, "U": 200,
             "H": 210, "V": 240, "W": 270, "Y": 300}  # fmt: skip
LETTER_WORDS = {"A": "А", "B": "Бе", "C": "Це", "D": "Де", "E": "Е", "F": "Еф", "G": "Же", "H": "Аш", "L": "Ель",
                "M": "Ем", "N": "Ен", "P": "Пе", "Q": "Ку", "R": "Ер", "S": "Ес", "T": "Те", "U": "У", "V": "Ве",
                "W": "Дубль-ве", "Y": "Ігрек"}  # fmt: skip
CLASS_RANK = {"A": 0, "B": 1, "C": 2, "D": 3, "E": 4}

STUDS = (
    "Шиповані шини краще тримають на льоду й укоченому снігу, але шумніші на чистому асфальті. "
    "Липучка, тобто фрикційні шини, тихіша й краще гальмує на мокрому та сухому зимовому асфальті. "
    "Для міста зазвичай радять липучку, для трас і сільських доріг з льодом — шипи."
)
ALL_SEASON = (
    "Всесезонні шини підходять для м'якої зими й переважно міської їзди. "
    "Для снігу, льоду й морозів нижче десяти градусів надійніші справжні зимові."
)

SUMMER_IN_WINTER = (
    "Літні шини взимку небезпечні: на холоді гума твердне, і гальмівний шлях на снігу й льоду "
    "стає в рази довшим. Взимку потрібні зимові або хоча б всесезонні."
)


def _name(item: dict[str, Any]) -> str:
    return f"{item['brand']} {item['model']}"


def _class(letter: str) -> str:
    return f"клас {LETTER_WORDS.get(letter, letter)}"


async def advise(ctx: StepContext, text: str) -> None:
    memory = ctx.memory
    ctx.scenarios.add(Scenario.ADVICE)
    options: list[dict[str, Any]] = memory.get("options") or []
    if lang.asks_studs_question(text):
        await ctx.say(STUDS)
        await _next(ctx, options)
        return
    if lang.asks_season_suitability(text):
        await ctx.say(ALL_SEASON if lang.has_any(text, ("всесезон",)) else SUMMER_IN_WINTER)
        await _next(ctx, options)
        return
    named = _named_brands(text)
    if len(named) >= 2 and "size" in memory:
        await _compare_brands(ctx, named)
        await _next(ctx, memory.get("options") or [])
        return
    if not options:
        if "size" in memory:
            if not await search(ctx):
                return
            options = memory.get("options") or []
            ctx.scenarios.add(Scenario.ADVICE)
        else:
            await ask(ctx, f"Щоб порадити, спершу підберімо варіанти. {ASK_SIZE}")
            return
    choice = lang.parse_choice(text)
    if choice is not None and choice < len(options):
        memory["selected"] = choice
    if lang.asks_index(text):
        await _indexes(ctx, options[memory.get("selected", 0)])
        await _next(ctx, options)
        return
    await _compare(ctx, options, text)
    await _next(ctx, options)


def _named_brands(text: str) -> list[str]:
    """The brands a caller compares ("Мішлен чи Континенталь", "між Нокіаном і Бріджстоуном")."""
    from activities.brain.ukrainian.analyse import analyse

    heard = understand(text)
    return extract_brand(analyse(heard.text))[1]


async def _compare_brands(ctx: StepContext, brands: list[str]) -> None:
    """Both named brands in the caller's size, each from the catalogue: price, wet grip, noise."""
    memory = ctx.memory
    memory.pop("brand", None)  # a comparison is not a wish for the last brand named
    options: list[dict[str, Any]] = list(memory.get("options") or [])
    picked: list[dict[str, Any]] = []
    for brand in brands[:2]:
        item = next((o for o in options if o["brand"] == brand), None)
        if item is None:
            args: dict[str, Any] = {**memory["size"], "brand": brand, "limit": 1}
            for key in ("season", "studded", "max_price"):
                if memory.get(key) is not None:
                    args[key] = memory[key]
            found = await read(ctx, "search_tires", args)
            if found is None:
                return
            item = (found.get("items") or [None])[0]
        if item is None:
            await ctx.say(f"{brand} у розмірі {_size(memory['size'])} зараз немає.")
            continue
        picked.append(item)
        label = item["eu_label"]
        await ctx.say(
            f"{_name(item)}: {lang.hryvnias(item['price_uah'])} за шину, зчеплення на мокрому — "
            f"{_class(label['wet_grip'])}, шум — {lang.number_words(label['noise_db'])} децибел."
        )
    if len(picked) == 2:
        a, b = picked
        wet = min(picked, key=lambda o: (CLASS_RANK.get(o["eu_label"]["wet_grip"], 9), o["price_uah"]))
        cheap = min(picked, key=lambda o: o["price_uah"])
        if wet is cheap:
            await ctx.say(f"{_name(wet)} і дешевша, і краще гальмує на мокрому, тож раджу її.")
        else:
            await ctx.say(f"{_name(cheap)} дешевша, а {_name(wet)} краще тримає мокру дорогу.")
    if picked:
        memory["options"] = picked
        memory["selected"] = 0
        ctx.scenarios.add(Scenario.TIRE_SEARCH)


def _size(size: dict[str, int]) -> str:
    return f"{size['width']}/{size['profile']} R{size['rim']}"


async def _indexes(ctx: StepContext, item: dict[str, Any]) -> None:
    load, speed = item.get("load_index"), item.get("speed_index")
    parts = [f"У {_name(item)} індекс навантаження {lang.number_words(load)}" if load else None]
    if load in LOAD_KG:
        parts[0] += f" — це {lang.number_words(LOAD_KG[load])} {lang.plural_form(LOAD_KG[load], 'кілограм', 'кілограми', 'кілограмів')} на одну шину"
    if speed:
        words = f"індекс швидкості {LETTER_WORDS.get(speed, speed)}"
        if speed in SPEED_KMH:
            words += f" — це {lang.number_words(SPEED_KMH[speed])} кілометрів на годину"
        parts.append(words)
    await ctx.say(". ".join(lang.upper_first(p) for p in parts if p) + ".")
    await ctx.say("Індекси мають бути не нижчими, ніж у техпаспорті авто.")


async def _compare(ctx: StepContext, options: list[dict[str, Any]], text: str) -> None:
    if len(options) == 1:
        item = options[0]
        label = item["eu_label"]
        await ctx.say(
            f"{_name(item)}: {lang.hryvnias(item['price_uah'])} за шину, зчеплення на мокрому — {_class(label['wet_grip'])}, "
            f"економія пального — {_class(label['fuel'])}, шум — {lang.number_words(label['noise_db'])} децибел."
        )
        return
    norm = lang.normalise(text)
    wet = min(options, key=lambda o: (CLASS_RANK.get(o["eu_label"]["wet_grip"], 9), o["price_uah"]))
    quiet = min(options, key=lambda o: (o["eu_label"]["noise_db"], o["price_uah"]))
    fuel = min(options, key=lambda o: (CLASS_RANK.get(o["eu_label"]["fuel"], 9), o["price_uah"]))
    cheap = min(options, key=lambda o: o["price_uah"])
    if lang.has_any(norm, ("тих", "найтих", "шум")):
        await ctx.say(f"Найтихіша — {_name(quiet)}: {lang.number_words(quiet['eu_label']['noise_db'])} децибел.")
        return
    if lang.has_any(norm, ("економ", "найекономн", "пальн", "витрат")):
        await ctx.say(f"Найекономніша щодо пального — {_name(fuel)}: {_class(fuel['eu_label']['fuel'])}.")
        return
    if lang.has_any(norm, ("мокр", "зчеплен", "дощ", "гальм", "найбезпечн")):
        await ctx.say(f"Найкраще зчеплення на мокрій дорозі — у {_name(wet)}: {_class(wet['eu_label']['wet_grip'])}.")
        return
    if lang.has_any(norm, ("дешев", "найдешев", "ціна", "ціною", "вартіст")):
        await ctx.say(f"Найдешевша — {_name(cheap)}: {lang.hryvnias(cheap['price_uah'])} за шину.")
        return
    await ctx.say(f"Найдешевша — {_name(cheap)}, {lang.hryvnias(cheap['price_uah'])} за шину.")
    await ctx.say(f"Найкраще зчеплення на мокрій дорозі — у {_name(wet)}: {_class(wet['eu_label']['wet_grip'])}.")
    if quiet is not wet:
        await ctx.say(f"Найтихіша — {_name(quiet)}: {lang.number_words(quiet['eu_label']['noise_db'])} децибел.")
    pick = wet
    await ctx.say(
        f"Для безпеки раджу {_name(pick)}"
        + (", вона ще й найдешевша." if pick is cheap else ".")
    )
    ctx.memory["selected"] = options.index(pick)


async def _next(ctx: StepContext, options: list[dict[str, Any]]) -> None:
    if options:
        await offer(ctx, "Перевірити наявність?", "availability")
    elif "size" in ctx.memory:
        await offer(ctx, "Підібрати варіанти у вашому розмірі?", "search")
    else:
        await ask(ctx, ASK_SIZE)
