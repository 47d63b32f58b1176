"""Scenarios 4 and 5: where is my order, and placing an order.

Placing: after an offer the brain collects the quantity, the delivery method and what that
method needs (city; a Nova Poshta branch; a courier address), then calls create_order. The
tool runner checks it with the store; the workflow reads the store's quote back and asks for a
"так". A no comes back as ``memory["declined"]``: the caller's correction is applied and the
order is asked for again, or the brain asks what to change.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from activities.brain.base_brain import StepContext
from activities.brain.rules import lang
from activities.brain.rules.common import (
    ORDINALS,
    Stage,
    anything_else,
    ask,
    spoken_reason,
)
from activities.brain.rules.search import picked_option, unoffered_brand
from activities.brain.ukrainian.understanding import understand
from activities.tools import ToolError
from workflows.models import ExpectedReply, Scenario


# --- placing an order ---------------------------------------------------------------------------


def absorb(order: dict[str, Any], text: str, *, stage: str | None = None) -> bool:
    """Take every order detail the caller said; True if anything changed."""
    before = dict(order)
    quantity = _quantity(text)
    if quantity is None and stage == Stage.ORDER_QUANTITY and lang.says_yes(text):
        quantity = 4  # "Комплект із чотирьох?" — "так"
    if quantity is not None and stage not in (Stage.ORDER_BRANCH, Stage.ORDER_ADDRESS, Stage.ORDER_CITY):
        order["quantity"] = quantity
    phone = lang.parse_phone(text) if stage != Stage.ORDER_BRANCH else None
    if phone:
        order["phone"] = phone  # "оформіть на номер дружини …": the order and its read-back use it
    delivery = lang.parse_delivery(text)
    if delivery is not None:
        if delivery.method and delivery.method != order.get("method"):
            order["method"] = delivery.method
            order.pop("branch", None)
            order.pop("address", None)
        if delivery.city:
            order["city"] = delivery.city
        if delivery.branch:
            order["branch"] = delivery.branch
    if stage == Stage.ORDER_BRANCH and order.get("branch") == before.get("branch"):
        digits = lang.parse_order_number(text, min_digits=1, max_digits=5)
        if digits:
            order["branch"] = digits.lstrip("0") or "0"
    if stage == Stage.ORDER_ADDRESS and order == before and _looks_like_address(text):
        order["address"] = _clean_address(text)
    return order != before


_DELIVERY_START = re.compile(r"(?<![\w'])(?:нов\w* пошт|відділен|поштомат|кур'?єр|самовив|адрес|вулиц|у місті|в місті)")


def _quantity(text: str) -> int | None:
    """The count of tires, looked for before the delivery words ("чотири, Новою поштою, відділення три")."""
    meant = lang.apply_correction(text)
    head = _DELIVERY_START.split(meant, maxsplit=1)[0]
    if head != meant:
        found = lang.parse_quantity(head)
        if found is not None:
            return found
    return lang.parse_quantity(meant)


def _looks_like_address(text: str) -> bool:
    norm = lang.normalise(text)
    return len(norm.split()) >= 2 and (bool(re.search(r"\d", lang.words_to_digits(norm))) or lang.has_any(
        norm, ("вул", "просп", "пров", "бульв", "площ", "шосе", "будинок")
    ))


_TOKENS = re.compile(r"[\w'’]+|[^\w'’]+")


def _digits_in_words(text: str) -> str:
    """ "вулиця Городоцька, сто двадцять, квартира п'ять" → "вулиця Городоцька, 120, квартира 5"."""
    out: list[str] = []
    run: list[str] = []  # number words (and the spaces between them) not yet written
    for token in _TOKENS.findall(text):
        if lang.cardinal_value(token.lower().replace("’", "'")) is not None or (run and token.isspace()):
            run.append(token)
            continue
        if run:
            trailing = run.pop() if run[-1].isspace() else ""
            out.append(lang.words_to_digits("".join(run)) + trailing)
            run = []
        out.append(token)
    if run:
        out.append(lang.words_to_digits("".join(run)))
    return "".join(out)


def _clean_address(text: str) -> str:
    address = _digits_in_words(text.strip().rstrip("."))
    address = re.sub(r"^(?:адреса|моя адреса|за адресою|на адресу|доставте на|доставка на)[:,]?\s*", "", address, flags=re.I)
    return address[:200]


def selected_option(memory: dict[str, Any]) -> dict[str, Any] | None:
    options = memory.get("options") or []
    if not options:
        return None
    return options[min(memory.get("selected", 0), len(options) - 1)]


async def start(ctx: StepContext, text: str, stage: str | None = None) -> None:
    """The caller wants to buy: pick the option, then collect what the order still needs."""
    memory = ctx.memory
    options = memory.get("options") or []
    if not options and "order" not in memory:
        await ask(ctx, "Спершу підберімо шини. Назвіть, будь ласка, розмір шин або марку й модель авто.")
        return
    choice = lang.parse_choice(text)
    order = memory.get("order")
    if options and (choice is not None or lang.parse_brand(text)):
        picked_option(memory, text)
    if options and (order is None or order.get("sku") != selected_option(memory)["sku"]):
        if len(options) > 1 and "selected" not in memory and choice is None:
            await ask(ctx, "Яку саме оформлюємо: " + ", ".join(ORDINALS[: len(options)]) + "?", Stage.ORDER_PICK)
            return
        option = selected_option(memory)
        assert option is not None
        previous = order or {}
        order = {"sku": option["sku"], "name": f"{option['brand']} {option['model']}"}
        for key in ("quantity", "method", "city", "branch", "address", "phone"):
            if key in previous:
                order[key] = previous[key]
        memory["order"] = order
    assert order is not None
    absorb(order, text, stage=stage)
    await next_step(ctx)


async def next_step(ctx: StepContext) -> None:
    """Ask for the first missing detail of the order, or hand it to create_order."""
    memory = ctx.memory
    order = memory["order"]
    ctx.scenarios.add(Scenario.ORDER)
    if "quantity" not in order:
        await ask(ctx, f"Скільки шин {order['name']} потрібно — комплект із чотирьох?", Stage.ORDER_QUANTITY)
    elif "method" not in order:
        await ask(
            ctx, "Як вам зручніше отримати: Новою поштою, кур'єром чи самовивозом зі складу?", Stage.ORDER_DELIVERY
        )
    elif "city" not in order and memory.get("city"):
        order["city"] = memory["city"]  # the city the caller named before; the read-back says it
        await next_step(ctx)
    elif "city" not in order:
        question = {
            "nova_poshta": "У якому місті відділення Нової пошти?",
            "courier": "У якому місті доставити?",
            "pickup": "У якому місті заберете?",
        }[order["method"]]
        await ask(ctx, question, Stage.ORDER_CITY)
    elif order["method"] == "nova_poshta" and not order.get("branch"):
        await ask(ctx, "Назвіть, будь ласка, номер відділення Нової пошти.", Stage.ORDER_BRANCH, ExpectedReply.DIGITS)
    elif order["method"] == "courier" and not order.get("address"):
        await ask(ctx, "Назвіть адресу доставки: вулицю, будинок і квартиру.", Stage.ORDER_ADDRESS)
    else:
        await place(ctx)


async def place(ctx: StepContext) -> None:
    memory = ctx.memory
    order = memory["order"]
    args: dict[str, Any] = {
        "items": [{"sku": order["sku"], "quantity": order["quantity"]}],
        "delivery_method": order["method"],
        "city": order["city"],
    }
    if order["method"] == "nova_poshta":
        args["branch"] = order["branch"]
    if order["method"] == "courier":
        args["address"] = order["address"]
    if order.get("phone"):
        args["phone"] = order["phone"]
    try:
        await ctx.tools.call("create_order", args)
    except ToolError as error:
        reason = spoken_reason(error)
        await ctx.say(f"Не вдається оформити: {reason}." if reason else "Магазин не прийняв замовлення з такими даними.")
        await ask(ctx, "Що змінимо: кількість чи спосіб доставки?", Stage.ORDER_CHANGE)
        return
    memory.pop("stage", None)
    memory["awaiting"] = "create_order"
    ctx.expect = ExpectedReply.YES_NO  # the workflow reads the store's quote back and asks


async def change(ctx: StepContext, text: str) -> None:
    """After a "no" to the read-back (or a store refusal): apply the correction, or ask what to change."""
    memory = ctx.memory
    ctx.scenarios.add(Scenario.ORDER)
    order = memory.get("order")
    if order is None:
        await anything_else(ctx)
        return
    if lang.wants_cancel(text) and not lang.parse_quantity(text) and not lang.parse_delivery(text):
        memory.pop("order", None)
        await ctx.say("Добре, замовлення не оформлюю.")
        await anything_else(ctx)
        return
    options = memory.get("options") or []
    if options and (lang.parse_choice(text) is not None or (lang.parse_brand(text) and not unoffered_brand(memory, text))):
        await start(ctx, text, Stage.ORDER_CHANGE)
        return
    if absorb(order, text):
        await next_step(ctx)
        return
    norm = lang.normalise(text)
    if lang.has_any(norm, ("кількіст", "скільки")):
        order.pop("quantity", None)
        await next_step(ctx)
    elif lang.has_any(norm, ("доставк", "спосіб", "адрес", "відділенн", "місто")):
        for key in ("method", "city", "branch", "address"):
            order.pop(key, None)
        await next_step(ctx)
    elif lang.has_any(norm, ("шини", "інші", "інш", "модель", "бренд")):
        memory.pop("order", None)
        await ask(ctx, "Добре. Які шини підібрати?")
    else:
        await ask(ctx, "Що змінимо: кількість, доставку чи шини?", Stage.ORDER_CHANGE)


async def answer_stage(ctx: StepContext, text: str, stage: str) -> bool:
    """The caller answers the order question asked last turn; False if the answer is not there."""
    memory = ctx.memory
    order = memory.get("order")
    if stage == Stage.ORDER_PICK:
        if picked_option(memory, text):
            await start(ctx, text, stage)
            return True
        return False
    if stage == Stage.ORDER_CHANGE:
        await change(ctx, text)
        return True
    if order is None:
        return False
    if absorb(order, text, stage=stage):
        await next_step(ctx)
        return True
    return False


# --- order status -------------------------------------------------------------------------------

STATUS_SHORT = {
    "new": "прийняте",
    "confirmed": "підтверджене",
    "packed": "зібране",
    "shipped": "в дорозі",
    "ready_for_pickup": "чекає на видачу",
    "delivered": "доставлене",
    "cancelled": "скасоване",
}


async def status(ctx: StepContext, text: str, *, in_stage: bool = False) -> bool:
    """get_order_status by the number said, a phone said, or the caller's own phone."""
    memory = ctx.memory
    ctx.scenarios.add(Scenario.ORDER_STATUS)
    heard = understand(text, caller_number=ctx.caller_number or None)
    number = lang.parse_order_number(text)
    phone = lang.parse_phone(text)
    own_line = heard.value("phone") is not None and not phone  # "моїм номером", "з якого я дзвоню"
    if number and not phone:
        args: dict[str, Any] = {"order_number": number}
    elif phone:
        args = {"phone": phone}
    elif lang.by_own_phone(text) or own_line:
        args = {}
    elif in_stage:
        return False
    else:
        await ask(
            ctx,
            "Назвіть, будь ласка, номер замовлення або введіть його на клавіатурі і натисніть решітку. "
            "Якщо номера немає під рукою, скажіть «за телефоном».",
            Stage.STATUS_NUMBER,
            ExpectedReply.DIGITS,
        )
        return True
    try:
        found = await ctx.tools.call("get_order_status", args)
    except ToolError as error:
        if "телефон" in str(error):
            await ask(ctx, "Не бачу вашого номера. Назвіть, будь ласка, номер замовлення.", Stage.STATUS_NUMBER,
                      ExpectedReply.DIGITS)
        else:
            await ctx.say("Вибачте, не можу зараз перевірити замовлення. Можу з'єднати вас з оператором.")
        return True
    orders = found.get("orders") or []
    if not orders:
        if "order_number" in args:
            await ask(
                ctx,
                f"Замовлення з номером {lang.speak_digits(number)} не знайшов. Перевірте, будь ласка, і назвіть номер ще раз.",
                Stage.STATUS_NUMBER,
                ExpectedReply.DIGITS,
            )
        else:
            await ask(ctx, "За цим номером телефону замовлень не знайшов. Назвіть, будь ласка, номер замовлення.",
                      Stage.STATUS_NUMBER, ExpectedReply.DIGITS)
        return True
    await say_order(ctx, orders[0])
    if len(orders) > 1:
        other = orders[1]
        await ctx.say(
            f"Є ще замовлення номер {lang.speak_digits(other['number'])} — {STATUS_SHORT.get(other['status'], other['status'])}."
        )
    memory["last_order"] = orders[0]["number"]
    await anything_else(ctx)
    return True


def _items_words(items: list[str]) -> str:
    spoken = []
    for item in items:
        match = re.match(r"(\d+)\s*×\s*(.+?)\s+\d{3}/\d{2}\s*R\d{2}.*$", item)
        if match:
            spoken.append(f"{lang.tires_words(int(match.group(1)))} {match.group(2)}")
        else:
            spoken.append(item)
    return ", ".join(spoken)


async def say_order(ctx: StepContext, order: dict[str, Any]) -> None:
    number = lang.speak_digits(order["number"])
    items = _items_words(order.get("items") or [])
    await ctx.say(f"Замовлення номер {number}{': ' + items if items else ''}.")
    state = order["status"]
    city = order.get("city")
    if state == "new":
        await ctx.say("Воно прийняте і чекає на підтвердження менеджера.")
    elif state == "confirmed":
        await ctx.say("Воно підтверджене, товар зарезервовано на складі.")
    elif state == "packed":
        await ctx.say("Воно зібране на складі й готується до відправки.")
    elif state == "shipped":
        if order.get("delivery_method") == "nova_poshta":
            branch = f" до відділення номер {lang.speak_digits(order['branch'])}" if order.get("branch") else ""
            await ctx.say(f"Воно вже в дорозі: відправлене Новою поштою{branch}{' ' + lang.in_city(city) if city else ''}.")
        else:
            await ctx.say("Воно вже в дорозі, кур'єр привезе його за вашою адресою.")
        if order.get("tracking_number"):
            await ctx.say(f"Номер накладної: {lang.speak_digits(order['tracking_number'])}.")
    elif state == "ready_for_pickup":
        await ctx.say(f"Воно вже чекає на вас на складі{' ' + lang.in_city(city) if city else ''}, можна забирати.")
    elif state == "delivered":
        when = _date(order.get("last_change"))
        await ctx.say(f"Воно вже доставлене{', ' + lang.date_words(when) if when else ''}.")
    elif state == "cancelled":
        await ctx.say("Це замовлення скасоване.")
    else:
        await ctx.say(f"Його статус: {state}.")
    expected = _date(order.get("expected_delivery"))
    if expected and state in ("new", "confirmed", "packed", "shipped"):
        await ctx.say(f"Очікувана доставка — {lang.date_words(expected)}.")


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return lang.parse_iso(value).date() if "T" in value else date.fromisoformat(value[:10])
    except ValueError:
        return None
